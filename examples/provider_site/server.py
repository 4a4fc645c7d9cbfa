"""A provider's website that checks vaccination status with the kyvs hosted flow.

Only the standard library and `cryptography`. Configure with environment variables:
KYVS_API_KEY (required), KYVS_URL (http://127.0.0.1:8000), KYVS_PROVIDER_ID (prv_demo), PORT (8001).
"""

from __future__ import annotations

import base64
import html
import json
import os
import sys
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

KYVS_URL = os.environ.get("KYVS_URL", "http://127.0.0.1:8000").rstrip("/")
API_KEY = os.environ.get("KYVS_API_KEY", "")
PROVIDER_ID = os.environ.get("KYVS_PROVIDER_ID", "prv_demo")  # the `aud` of our results
PORT = int(os.environ.get("PORT", "8001"))
RETURN_URL = f"http://127.0.0.1:{PORT}/kyvs/return"  # must be on our allow-list at kyvs exactly
STATIC = Path(__file__).with_name("static")
STATUS_TEXT = {0: "Not vaccinated", 1: "Partially vaccinated", 2: "Fully vaccinated"}
started: set[str] = set()  # sessions we opened; a real site stores them with the booking


class Rejected(Exception):
    """A result that we must not trust."""


def kyvs(method: str, path: str, body: dict[str, str] | None = None) -> Any:
    """Call the kyvs API from our server (the API key never reaches the browser)."""
    request = urllib.request.Request(  # noqa: S310 - KYVS_URL is our own http(s) setting
        KYVS_URL + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"X-Api-Key": API_KEY, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - as above
        return json.load(response)


def start_session() -> dict[str, str]:
    """Open a hosted check: kyvs answers {session_id, url, embed_url, expires_at}."""
    session: dict[str, str] = kyvs(
        "POST", "/api/v1/hosted-sessions", {"return_url": RETURN_URL, "purpose": "travel"}
    )
    started.add(session["session_id"])
    return session


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_result(session_id: str, result: str) -> dict[str, Any]:
    """The verified claims, or `Rejected`: never trust what the browser posted on its own."""
    if session_id not in started:
        raise Rejected("not a check this site started")
    try:  # 1. kyvs itself must hold exactly this result for our session
        state = kyvs("GET", f"/api/v1/hosted-sessions/{quote(session_id, safe='')}")
    except URLError as error:  # HTTPError (404: not our session) is a URLError too
        raise Rejected("kyvs does not know this session") from error
    if state.get("result") != result:
        raise Rejected("not the result kyvs gave")
    # 2. the signature: header.payload signed (EdDSA) by a key of kyvs's JWKS
    header_part, payload_part, signature = result.split(".")
    header = json.loads(b64(header_part))
    keys = {key["kid"]: key for key in kyvs("GET", "/.well-known/jwks.json")["keys"]}
    if header.get("alg") != "EdDSA" or header.get("kid") not in keys:
        raise Rejected("unexpected algorithm or key")
    public_key = Ed25519PublicKey.from_public_bytes(b64(keys[header["kid"]]["x"]))
    try:
        public_key.verify(b64(signature), f"{header_part}.{payload_part}".encode())
    except InvalidSignature as error:
        raise Rejected("bad signature") from error
    claims: dict[str, Any] = json.loads(b64(payload_part))
    # 3. meant for us, and still valid
    if claims.get("aud") != PROVIDER_ID or claims.get("exp", 0) <= time.time():
        raise Rejected("not addressed to us, or expired")
    started.discard(session_id)  # a result counts once
    return claims


def page(title: str, body: str) -> bytes:
    """A small HTML page; `title` and `body` must already be escaped."""
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title}</title><body style="font: 18px sans-serif; max-width: 40em; '
        f'margin: 2em auto; padding: 0 1em"><h1>{title}</h1>{body}'
        '<p><a href="/">Back to the start</a></p></body></html>'
    ).encode()


def thank_you(claims: dict[str, Any]) -> bytes:
    fields = claims.get("kyvs", {})
    status = STATUS_TEXT.get(fields.get("vaccination_status"), "Unknown")
    if fields.get("precaution_dose"):
        status += ", precaution dose given"
    name = html.escape(str(fields.get("beneficiary", {}).get("name", "you")))
    checked = html.escape(str(fields.get("verified_at", "")))
    return page(
        "Thank you",
        f"<p>We checked the vaccination status of <strong>{name}</strong> with kyvs:</p>"
        f'<p style="font-size: 150%"><strong>{html.escape(status)}</strong></p>'
        f"<p>Checked at {checked}.</p>",
    )


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/":
            self.send(200, (STATIC / "index.html").read_bytes())
        elif path in {"/start", "/embed"}:
            self.start(embed=path == "/embed")
        elif path == "/kyvs/return":  # a cancelled check comes back with GET ?status=cancelled
            self.send(200, page("Check cancelled", "<p>No status was shared. Try again?</p>"))
        else:
            self.send(404, page("Not found", ""))

    def do_POST(self) -> None:
        if self.path == "/start":
            self.start(embed=False)
        elif self.path == "/kyvs/return":  # kyvs's page posts session_id and result here
            size = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
            form = parse_qs(self.rfile.read(size).decode("ascii", "replace"))
            try:
                claims = check_result(form["session_id"][0], form["result"][0])
            except (Rejected, LookupError, ValueError, URLError) as error:
                reason = f"<p>{html.escape(str(error))}</p>"
                self.send(400, page("We could not confirm this check", reason))
                return
            self.send(200, thank_you(claims))
        else:
            self.send(404, page("Not found", ""))

    def start(self, *, embed: bool) -> None:
        try:
            session = start_session()
        except URLError as error:  # kyvs down, a wrong API key, or RETURN_URL not allow-listed
            detail = error.read().decode() if isinstance(error, HTTPError) else str(error.reason)
            self.send(502, page("kyvs refused or is down", f"<p>{html.escape(detail)}</p>"))
            return
        if not embed:
            self.send_response(303)  # the browser runs the check on kyvs, then comes back
            self.send_header("Location", session["url"])
            self.end_headers()
            return
        frame = (STATIC / "embed.html").read_text()
        self.send(200, frame.replace("{embed_url}", html.escape(session["embed_url"])).encode())

    def send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    if not API_KEY:
        sys.exit("Set KYVS_API_KEY to your kyvs API key (`make run` prints the demo key).")
    print(f"Provider site on http://127.0.0.1:{PORT} (kyvs at {KYVS_URL})")  # noqa: T201
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
