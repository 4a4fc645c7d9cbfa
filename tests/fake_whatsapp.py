"""A loopback WhatsApp Cloud API for tests: checks the bearer token and the documented
authentication-template request, answers the documented success and error shapes.

`script` answers the next requests one by one: "ok", an error code (131026, 190, 130429...),
an HTTP status as "http-503", or "slow" (hang past the client's timeout). Then "ok".
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.sms_gateway import loopback

TOKEN = "EAAtest-token"
PHONE_NUMBER_ID = "105954558954427"
VERSION = "v21.0"
# The HTTP status the Cloud API answers each error code with.
_ERROR_STATUS = {131026: 400, 190: 401, 130429: 400, 131056: 400, 132001: 404, 131000: 500}


@dataclass
class CloudApi:
    base_url: str = ""
    script: list[str | int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    sent: int = 0


def request_problem(path: str, headers: Any, body: dict[str, Any]) -> str | None:  # noqa: PLR0911 - one return per rule checked
    """What in a request breaks the documented shape, or None."""
    if path != f"/{VERSION}/{PHONE_NUMBER_ID}/messages":
        return f"path {path}"
    if headers.get("Authorization") != f"Bearer {TOKEN}":
        return "token"
    template = body.get("template", {})
    components = template.get("components", [])
    if (
        body.get("messaging_product") != "whatsapp"
        or body.get("type") != "template"
        or not str(body.get("to", "")).isdigit()
        or not template.get("name")
        or not template.get("language", {}).get("code")
        or len(components) != 2
    ):
        return "envelope"
    body_part, button = components
    otp = body_part["parameters"][0]["text"]
    if body_part["type"] != "body" or body_part["parameters"][0]["type"] != "text":
        return "body component"
    if (button["type"], button["sub_type"], str(button["index"])) != ("button", "url", "0"):
        return "button component"
    if button["parameters"] != [{"type": "text", "text": otp}] or not otp.isdigit():
        return "the OTP is not in the body and the button"
    return None


def handler_for(api: CloudApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.loads(raw)
            api.received.append(body)
            problem = request_problem(self.path, self.headers, body)
            answer = api.script.pop(0) if api.script else "ok"
            if problem == "token":
                answer = 190
            elif problem is not None:
                api.refused.append(problem)
                answer = 100
            if answer == "slow":
                api.release.wait(5)
                answer = "ok"
            if answer == "ok":
                api.sent += 1
                self._answer(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                        "messages": [{"id": f"wamid.TEST{api.sent}"}],
                    },
                )
            elif isinstance(answer, str) and answer.startswith("http-"):
                self._answer(int(answer.removeprefix("http-")), {"error": "down"})
            else:
                code = int(answer)
                error = {
                    "message": f"(#{code}) an error",
                    "type": "OAuthException",
                    "code": code,
                    "error_data": {"messaging_product": "whatsapp", "details": "details"},
                    "fbtrace_id": "Az8or2yhqkZfEZ",
                }
                self._answer(_ERROR_STATUS.get(code, 400), {"error": error})

        def _answer(self, status: int, document: dict[str, Any]) -> None:
            data = json.dumps(document).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting (timeout tests)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@contextmanager
def running_cloud_api() -> Iterator[CloudApi]:
    """Serve a `CloudApi` on a free loopback port until the block ends."""
    state = CloudApi()
    with loopback(handler_for(state), state.release) as base:
        state.base_url = base
        yield state
