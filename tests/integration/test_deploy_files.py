"""The production recipe in `deploy/` parses and says what `deploy/README.md` promises.

No Docker needed: the Dockerfile is read instruction by instruction, the YAML with PyYAML and
nginx.conf with a small tokenizer. Tools that check more (`docker compose config`, `hadolint`,
`kubectl kustomize`) run when the machine has them and are skipped, with the reason, when not.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information

from kyvs.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
PORT = 8000
UID = 10001
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what the container must listen on, compared here
CONTAINER_TMP = "/tmp"  # noqa: S108 - the path a container mounts, compared here
SERVE = ["serve", "--host", ALL_INTERFACES, "--port", str(PORT), "--workers", "2"]
KNOWN_SETTINGS = {f"KYVS_{name.upper()}" for name in Settings.model_fields} | {
    "PROMETHEUS_MULTIPROC_DIR"
}
REQUIRED_VARIABLE = re.compile(r"^\$\{[A-Z0-9_]+:\?[^}]+\}$")  # ${NAME:?message}: no default
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|(^|_)KEY$")
NOT_LISTED = {"kustomization.yaml", "secret.example.yaml"}  # the example would replace the Secret


# --- Dockerfile ----------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list), f"not exec (JSON) form: {arguments}"
    return parsed


def test_dockerfile_builds_a_wheel_then_a_slim_final_stage() -> None:
    instructions = dockerfile()
    defaults = dict(
        arguments.split("=", 1) for keyword, arguments in instructions if keyword == "ARG"
    )
    stages = [arguments.split() for keyword, arguments in instructions if keyword == "FROM"]
    assert len(stages) == 2
    for image, as_, _name in stages:
        assert as_.upper() == "AS"
        assert re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], image) == "python:3.11-slim"
    assert [name for *_, name in stages] == ["build", "final"]
    first, second = (i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    build = instructions[first:second]
    assert any(keyword == "RUN" and "pip wheel" in run for keyword, run in build)


def test_final_stage_installs_the_wheels_in_a_venv_with_the_share_card_fonts() -> None:
    runs = " ".join(arguments for keyword, arguments in final_stage() if keyword == "RUN")
    assert re.search(r"apt-get install .*fonts-noto-core", runs)
    assert "libfribidi0" in runs
    assert "rm -rf /var/lib/apt/lists" in runs
    assert "from=build" in runs  # the wheels come from the build stage, not from the network
    assert "python -m venv" in runs
    assert "--no-index" in runs
    assert "curl" not in runs


def test_final_stage_runs_kyvs_as_a_non_root_user_in_a_sane_order() -> None:
    stage = final_stage()
    keywords = [keyword for keyword, _ in stage]
    user = stage[keywords.index("USER")][1]
    assert user.split(":")[0] not in {"root", "0"}
    assert user == f"{UID}:{UID}"  # numeric: Kubernetes' runAsNonRoot can check it
    last_run = max(i for i, keyword in enumerate(keywords) if keyword == "RUN")
    assert last_run < keywords.index("USER") < keywords.index("HEALTHCHECK")
    assert keywords[-2:] == ["ENTRYPOINT", "CMD"]
    assert ("EXPOSE", str(PORT)) in stage
    assert exec_form(stage[-2][1]) == ["kyvs"]
    assert exec_form(stage[-1][1]) == SERVE


def test_healthcheck_asks_healthz_with_python() -> None:
    healthcheck = dict(final_stage())["HEALTHCHECK"]
    command = exec_form(healthcheck.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    compile(command[2], "HEALTHCHECK", "exec")
    assert f"http://127.0.0.1:{PORT}/healthz" in command[2]


def test_dockerignore_admits_exactly_what_the_dockerfile_copies() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"  # an allow-list: .venv, var/ (SQLite data), .env and .git stay out
    admitted = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = set()
    for keyword, arguments in dockerfile():
        if keyword == "COPY" and "--from" not in arguments:
            copied |= {source.rstrip("/") for source in arguments.split()[:-1]}
    assert copied == admitted == {"pyproject.toml", "README.md", "src"}


def test_the_build_command_is_documented() -> None:
    command = "docker build -f deploy/Dockerfile"
    assert command in (DEPLOY / "Dockerfile").read_text()
    assert command in (DEPLOY / "README.md").read_text()


def test_hadolint_accepts_the_dockerfile() -> None:
    if shutil.which("hadolint") is None:
        pytest.skip("hadolint is not installed; the Dockerfile is checked line by line above")
    result = subprocess.run(
        ["hadolint", str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- compose.yaml --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def url_password(url: str) -> str | None:
    """The password of `scheme://user:password@host/...`, None when the URL has none."""
    _, separator, rest = url.partition("://")
    userinfo = rest.rpartition("@")[0] if separator else ""
    _, colon, password = userinfo.partition(":")
    return password if colon else None


def test_compose_has_the_services_with_healthchecks(compose) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "app", "nginx"}
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert "pgdata" in compose["volumes"]
    assert any(v.startswith("pgdata:") for v in services["postgres"]["volumes"])
    for name in ("postgres", "redis", "app", "nginx"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["healthcheck"] == {"disable": True}


def test_redis_persists_every_write_to_its_append_only_file(compose) -> None:
    """A restarted Redis must come back with its txns and its access-log outbox."""
    redis = compose["services"]["redis"]
    command = redis["command"]
    options = dict(zip(command[1::2], command[2::2], strict=False))
    assert options["--appendonly"] == "yes"
    assert options["--appendfsync"] in {"everysec", "always"}
    assert any(v.startswith("redisdata:/data") for v in redis["volumes"])


def test_migrate_runs_once_and_the_app_waits_for_it(compose) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["app"]["deploy"]["replicas"] == 3
    assert services["app"]["command"] == SERVE
    assert services["app"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert services["nginx"]["depends_on"] == {"app": {"condition": "service_healthy"}}
    assert "ports" not in services["app"]  # only nginx is published
    build = services["app"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_app_environment_points_at_the_compose_services(compose) -> None:
    env = environment(compose["services"]["app"])
    assert env == environment(compose["services"]["migrate"])
    assert re.fullmatch(r"postgresql://kyvs:\$\{[^}]+\}@postgres/kyvs", env["KYVS_DATABASE_URL"])
    assert env["KYVS_REDIS_URL"] == "redis://redis:6379/0"
    assert env["KYVS_SMS_BACKEND"] == "http"
    assert env["KYVS_DEMO"] == "0"
    assert REQUIRED_VARIABLE.match(env["KYVS_SECRET_KEY"])
    assert REQUIRED_VARIABLE.match(env["KYVS_SMS_HTTP_URL"])
    assert set(env) <= KNOWN_SETTINGS


def test_compose_holds_no_literal_secret(compose) -> None:
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert REQUIRED_VARIABLE.match(value), f"{name}.{key} must be ${{{key}:?…}}"
            password = url_password(value)
            if password is not None:
                assert REQUIRED_VARIABLE.match(password), f"{name}.{key} has a literal password"
    text = (DEPLOY / "compose.yaml").read_text()
    for variable in ("POSTGRES_PASSWORD", "KYVS_SECRET_KEY", "KYVS_SMS_HTTP_URL"):
        assert not re.search(rf"\$\{{{variable}:?-", text), f"{variable} has a default"


def test_app_containers_are_locked_down(compose) -> None:
    app = compose["services"]["app"]
    assert app["read_only"] is True
    assert app["cap_drop"] == ["ALL"]
    assert CONTAINER_TMP in app["tmpfs"]
    metrics = environment(app)["PROMETHEUS_MULTIPROC_DIR"]
    assert any(mount.startswith(f"{metrics}:uid={UID}") for mount in app["tmpfs"])
    command = app["healthcheck"]["test"]
    compile(command[-1], "healthcheck", "exec")
    assert f"127.0.0.1:{PORT}/healthz" in command[-1]


def test_docker_compose_config_accepts_the_file() -> None:
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed; compose.yaml is checked as YAML above")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("this docker CLI has no compose plugin; compose.yaml is checked as YAML above")
    placeholders = {"POSTGRES_PASSWORD": "p", "KYVS_SECRET_KEY": "s", "KYVS_SMS_HTTP_URL": "u"}
    result = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={**os.environ, **placeholders},
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- nginx.conf ----------------------------------------------------------------------------

Directive = tuple[list[str], list[Any] | None]  # (name and arguments, children of a block)


def nginx_tokens(text: str) -> list[str]:
    """Words, quoted strings and the punctuation `{ } ;`, comments dropped."""
    pattern = r"#[^\n]*|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[{};]|[^\s{};'\"#]+"
    return [token for token in re.findall(pattern, text) if not token.startswith("#")]


def nginx_parse(tokens: list[str]) -> list[Directive]:
    """A tree of directives; fails on unbalanced braces or a statement without `;`."""
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for token in tokens:
        if token == ";":
            assert words, "an empty statement"
            stack[-1].append((words, None))
            words = []
        elif token == "{":
            block: list[Directive] = []
            stack[-1].append((words, block))
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"missing ';' after {words}"
            assert len(stack) > 1, "a '}' closes nothing"
            stack.pop()
        else:
            words.append(token)
    assert not words, f"missing ';' after {words}"
    assert len(stack) == 1, "a '{' is never closed"
    return stack[0]


def find(tree: list[Directive], *path: str) -> list[Directive]:
    """The directives at `path`; a step may name arguments too ("location /")."""
    found = [d for d in tree if " ".join(d[0]) == path[0] or d[0][0] == path[0]]
    if len(path) == 1:
        return found
    return [hit for _, children in found if children for hit in find(children, *path[1:])]


@pytest.fixture(scope="module")
def nginx() -> list[Directive]:
    return nginx_parse(nginx_tokens((DEPLOY / "nginx.conf").read_text()))


def arguments(tree: list[Directive], *path: str) -> list[list[str]]:
    return [words[1:] for words, _ in find(tree, *path)]


def test_nginx_proxies_to_the_app_replicas(nginx, compose) -> None:
    assert arguments(nginx, "http", "upstream kyvs_app", "server")[0][0] == f"app:{PORT}"
    assert "app" in compose["services"]
    location = ("http", "server", "location /")
    assert arguments(nginx, *location, "proxy_pass") == [["http://kyvs_app"]]
    headers = {h[0]: h[1] for h in arguments(nginx, *location, "proxy_set_header")}
    assert headers["X-Request-Id"] == "$request_id"
    assert headers["Host"] == "$host"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    for timeout in ("proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout"):
        assert arguments(nginx, *location, timeout), timeout


def test_nginx_limits_bodies_and_rates(nginx) -> None:
    assert arguments(nginx, "http", "client_max_body_size") == [["64k"]]
    zone = arguments(nginx, "http", "limit_req_zone")[0][1]  # zone=NAME:SIZE
    name = zone.removeprefix("zone=").split(":")[0]
    limit = arguments(nginx, "http", "server", "location /", "limit_req")[0]
    assert limit[0] == f"zone={name}"
    assert arguments(nginx, "http", "limit_req_status") == [["429"]]


def test_nginx_hides_metrics_and_answers_its_healthcheck(nginx, compose) -> None:
    assert arguments(nginx, "http", "server", "location = /metrics", "return") == [["404"]]
    assert find(nginx, "http", "server", "location = /nginx-healthz")
    assert "http://127.0.0.1/nginx-healthz" in compose["services"]["nginx"]["healthcheck"]["test"]
    log_format = " ".join(arguments(nginx, "http", "log_format")[0])
    assert "$request_uri" not in log_format  # paths carry txn and session ids
    assert "$request " not in log_format


def test_nginx_tokenizer_catches_broken_files() -> None:
    with pytest.raises(AssertionError):
        nginx_parse(nginx_tokens("http { server { listen 80; }"))
    with pytest.raises(AssertionError):
        nginx_parse(nginx_tokens("http { listen 80 }"))
    assert nginx_parse(nginx_tokens("a '{ # }'; # b {")) == [(["a", "'{ # }'"], None)]


# --- Kubernetes ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def k8s() -> dict[str, list[dict[str, Any]]]:
    """Every object of every manifest, by file name."""
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted(K8S.glob("*.yaml"))
    }


def one(k8s, kind: str) -> dict[str, Any]:
    objects: list[dict[str, Any]] = [o for objs in k8s.values() for o in objs if o["kind"] == kind]
    assert len(objects) == 1, kind
    return objects[0]


def mebibytes(quantity: str) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i?)", quantity)
    assert match, f"not a memory quantity: {quantity}"
    return float(match[1]) * units[match[2]] / 2**20


def test_every_manifest_is_a_kubernetes_object(k8s) -> None:
    for name, objects in k8s.items():
        assert objects, name
        for obj in objects:
            assert {"apiVersion", "kind"} <= set(obj), name
            if obj["kind"] == "Kustomization":
                continue
            assert obj["metadata"]["name"], name
            if obj["kind"] != "Namespace":
                assert obj["metadata"]["namespace"] == "kyvs", name


def test_kustomization_lists_every_manifest_but_the_secret_example(k8s) -> None:
    kustomization = k8s["kustomization.yaml"][0]
    assert set(kustomization["resources"]) == set(k8s) - NOT_LISTED
    assert len(kustomization["resources"]) == len(set(kustomization["resources"]))
    image = container(one(k8s, "Deployment"))["image"]
    assert kustomization["images"][0]["name"] == image.split(":")[0]


def container(workload: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def test_deployment_probes_resources_and_scrape_annotations(k8s) -> None:
    deployment = one(k8s, "Deployment")
    app = container(deployment)
    assert deployment["spec"]["replicas"] == 3
    assert app["args"] == SERVE
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    ports = {port["name"]: port["containerPort"] for port in app["ports"]}
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        port = app[probe]["httpGet"]["port"]
        assert ports.get(port, port) == PORT, probe
    assert 256 <= mebibytes(app["resources"]["limits"]["memory"]) <= 512
    assert mebibytes(app["resources"]["requests"]["memory"]) <= mebibytes(
        app["resources"]["limits"]["memory"]
    )
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == PORT


def test_pods_run_as_non_root_on_a_read_only_filesystem(k8s) -> None:
    config = one(k8s, "ConfigMap")["data"]
    for workload in (one(k8s, "Deployment"), one(k8s, "Job")):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == UID
        security = container(workload)["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        empty_dirs = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        mounts = {m["mountPath"]: m["name"] for m in container(workload)["volumeMounts"]}
        assert mounts[CONTAINER_TMP] in empty_dirs
    deployment_mounts = {
        m["mountPath"]: m["name"] for m in container(one(k8s, "Deployment"))["volumeMounts"]
    }
    assert deployment_mounts[config["PROMETHEUS_MULTIPROC_DIR"]] == "metrics"


def test_service_and_ingress_reach_the_container_port(k8s) -> None:
    deployment, service, ingress = (one(k8s, k) for k in ("Deployment", "Service", "Ingress"))
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    ports = {port["name"]: port["containerPort"] for port in container(deployment)["ports"]}
    service_port = service["spec"]["ports"][0]
    target = service_port["targetPort"]
    assert ports.get(target, target) == PORT
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"] in ({"name": service_port["name"]}, {"number": service_port["port"]})
    assert ingress["spec"]["tls"]


def test_migrate_job_and_hpa_match_the_deployment(k8s) -> None:
    deployment, job, hpa = (one(k8s, k) for k in ("Deployment", "Job", "HorizontalPodAutoscaler"))
    assert container(job)["args"] == ["db", "upgrade"]
    assert container(job)["image"] == container(deployment)["image"]
    assert container(job)["envFrom"] == container(deployment)["envFrom"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"]
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]


def test_settings_are_known_and_secrets_are_placeholders(k8s) -> None:
    config = one(k8s, "ConfigMap")["data"]
    secret = one(k8s, "Secret")
    assert set(config) | set(secret["stringData"]) <= KNOWN_SETTINGS
    assert not [key for key in config if SECRET_NAME.search(key) or key.endswith("DATABASE_URL")]
    assert config["KYVS_DEMO"] == "0"
    assert {"KYVS_SECRET_KEY", "KYVS_DATABASE_URL"} <= set(secret["stringData"])
    assert all("REPLACE_ME" in value for value in secret["stringData"].values())
    env_from = container(one(k8s, "Deployment"))["envFrom"]
    assert {"secretRef": {"name": secret["metadata"]["name"]}} in env_from


def test_kubectl_kustomize_renders_the_manifests() -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed; the manifests are checked as YAML above")
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    kinds = sorted(doc["kind"] for doc in rendered)
    assert "Secret" not in kinds
    images = {
        c["image"]
        for doc in rendered
        if doc["kind"] in {"Deployment", "Job"}
        for c in doc["spec"]["template"]["spec"]["containers"]
    }
    assert len(images) == 1
    assert next(iter(images)).startswith("registry.example.org/kyvs:")
