"""Known vulnerabilities in the installed dependencies, through pip-audit (PyPI's advisories).

Fails when a dependency has a known vulnerability (or pip-audit itself breaks). A dependency the
service cannot answer for is listed with a loud warning; it fails the run only with
`KYVS_AUDIT_STRICT=1`, because some build machines reach PyPI's package pages but not its
per-release advisories, and a red CI there would block every change without protecting anything.
Extra arguments (e.g. `--ignore-vuln ID`) go to pip-audit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

VULNERABLE = 1  # pip-audit's exit code when it found a known vulnerability


def say(line: str, *, error: bool = False) -> None:
    """One line to the CI log (stderr for what needs attention)."""
    (sys.stderr if error else sys.stdout).write(line + "\n")


def main(extra: list[str]) -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [str(pip_audit), "--progress-spinner", "off", "--skip-editable", "--format", "json"]
    # The arguments are this file's and the Makefile's, never outside input.
    done = subprocess.run(  # noqa: S603
        [*command, *extra], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, VULNERABLE):
        say(done.stderr, error=True)
        say(f"pip-audit failed (exit {done.returncode})", error=True)
        return 1
    report = json.loads(done.stdout)
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = len(dependencies) - len(skipped)
    say(f"pip-audit: {len(dependencies)} dependencies, {audited} audited, {len(skipped)} not")
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            name, version = dependency["name"], dependency["version"]
            say(f"  VULNERABLE {name} {version}: {vuln['id']} ({fixed})", error=True)
    if skipped:
        say(
            f"WARNING: {len(skipped)} dependencies could not be audited, e.g. "
            f"{skipped[0]['skip_reason']!r}; run `make audit` where PyPI's advisories answer.",
            error=True,
        )
    if vulnerable:
        return 1
    strict = os.environ.get("KYVS_AUDIT_STRICT") == "1"
    return 1 if skipped and strict else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
