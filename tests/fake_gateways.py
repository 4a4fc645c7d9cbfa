"""Loopback fakes of the Indian SMS gateways, each speaking its documented API.

Each fake checks a request as the real gateway would (credentials, the DLT template, entity id
and header registered with it, the number's format, the text against the template as the DLT
scrubber does) and answers in the gateway's own shapes. `script` makes the next requests
misbehave: "slow" (no answer within the client's timeout), "drop" (close the connection), or
a status code (the gateway's explicit error answer with that status). `invalid` holds national
numbers the gateway refuses; their error answers echo the number, as real ones do.
"""

from __future__ import annotations

import hmac
import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from kyvs.domain.dlt import ContentType, DltTemplate
from kyvs.domain.sms_encoding import SmsEncoding, sms_size
from tests.sms_gateway import loopback

E164_INDIA = re.compile(r"\+91[6-9][0-9]{9}")
DIGITS_INDIA = re.compile(r"91[6-9][0-9]{9}")
_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/[0-9]{8}/(?P<region>[^/]+)/sns/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def of(cls, status: int, document: Any) -> Reply:
        return cls(status, json.dumps(document).encode("utf-8"))


@dataclass
class FakeGateway:
    """What every fake shares: the templates registered with it, the script, what it got."""

    templates: list[DltTemplate]
    invalid: set[str] = field(default_factory=set)
    url: str = ""
    script: list[str | int] = field(default_factory=list)
    received: list[Request] = field(default_factory=list)
    taken: dict[str, str] = field(default_factory=dict)  # message id -> text (or values)
    release: threading.Event = field(default_factory=threading.Event)
    delay_s: float = 2.0
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def registered(self, template_id: str) -> DltTemplate | None:
        return next((t for t in self.templates if t.template_id == template_id), None)

    def unicode_needed(self, template: DltTemplate, text: str) -> bool:
        ucs2 = sms_size(text).encoding is SmsEncoding.UCS2
        return template.content_type is ContentType.UNICODE or ucs2

    def answer(self, request: Request) -> Reply:
        raise NotImplementedError

    def error(self, status: int) -> Reply:
        return Reply.of(status, {"error": "try later"})


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGateway

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        parts = urlsplit(self.path)
        request = Request(
            self.command, parts.path, dict(parse_qsl(parts.query)), dict(self.headers), body
        )
        fake = self.fake
        fake.received.append(request)
        step = fake.script.pop(0) if fake.script else None
        if step == "drop":
            self.close_connection = True
            return
        if step == "slow":
            fake.release.wait(fake.delay_s)
        reply = fake.error(step) if isinstance(step, int) else fake.answer(request)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up waiting (timeout tests)

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def serving(fake: FakeGateway, path: str = "") -> Iterator[FakeGateway]:
    """Serve `fake` on a free loopback port until the block ends; `fake.url` is its base."""
    handler = type("Handler", (_Handler,), {"fake": fake})
    with loopback(handler, fake.release) as base:
        fake.url = f"{base}{path}"
        yield fake


@dataclass
class FakeMsg91(FakeGateway):
    """MSG91's Flow API: `authkey` header, JSON body, templates by MSG91's own id."""

    authkey: str = "msg91-authkey-s3cret"

    def answer(self, request: Request) -> Reply:
        if request.method != "POST" or request.path != "/api/v5/flow":
            return Reply.of(404, {"type": "error", "message": "Not found"})
        if request.headers.get("authkey") != self.authkey:
            return Reply.of(401, {"type": "error", "message": "Authentication failure"})
        flow = request.json()
        template = next(
            (t for t in self.templates if t.gateway_ids.get("msg91") == flow.get("template_id")),
            None,
        )
        if template is None or flow.get("sender") != template.header:
            return Reply.of(400, {"type": "error", "message": "Invalid Template ID"})
        (recipient,) = flow["recipients"]
        mobiles = recipient["mobiles"]
        if not DIGITS_INDIA.fullmatch(mobiles) or mobiles[2:] in self.invalid:
            return Reply.of(400, {"type": "error", "message": f"Invalid mobile number {mobiles}"})
        values = [recipient[f"var{n}"] for n in range(1, len(recipient))]
        try:
            text = template.fill(values)
        except ValueError:
            return Reply.of(400, {"type": "error", "message": "Template variables do not match"})
        request_id = f"36636c6d{next(self.ids):016x}"
        self.taken[request_id] = text
        return Reply.of(200, {"type": "success", "message": request_id})

    def error(self, status: int) -> Reply:
        return Reply.of(status, {"type": "error", "message": "Service unavailable"})


@dataclass
class FakeGupshup(FakeGateway):
    """Gupshup's Enterprise GatewayAPI: userid and password in the form, DLT fields, JSON."""

    userid: str = "2000123456"
    password: str = "gupshup-pa55word"

    def answer(self, request: Request) -> Reply:
        fields = {**request.query, **request.form()}
        plain = fields.get("auth_scheme") == "plain" and fields.get("v") == "1.1"
        if request.path != "/GatewayAPI/rest" or fields.get("method") != "SendMessage" or not plain:
            return self._error("101", "Invalid method or parameters")
        if fields.get("userid") != self.userid or fields.get("password") != self.password:
            return self._error("102", "Authentication failed due to invalid userId or password.")
        template = self.registered(fields.get("dltTemplateId", ""))
        text = fields.get("msg", "")
        if (
            template is None
            or fields.get("principalEntityId") != template.entity_id
            or fields.get("mask") != template.header
            or not template.matches(text)
        ):
            return self._error("322", "DLT template not registered or content not matched")
        wanted = "Unicode_text" if self.unicode_needed(template, text) else "TEXT"
        if fields.get("msg_type") != wanted:
            return self._error("322", "Template content type and msg_type differ")
        phone = fields.get("send_to", "")
        if not DIGITS_INDIA.fullmatch(phone) or phone[2:] in self.invalid:
            return self._error("105", f"The phone number {phone} is not a valid phone number")
        message_id = f"{4_021_928_937_487_294_758 + next(self.ids)}-328736121207676738"
        self.taken[message_id] = text
        return Reply.of(200, {"response": self._response("success", message_id, phone, "")})

    def _error(self, code: str, details: str) -> Reply:
        return Reply.of(200, {"response": self._response("error", code, "", details)})

    @staticmethod
    def _response(status: str, id_: str, phone: str, details: str) -> dict[str, str]:
        return {"id": id_, "phone": phone, "details": details, "status": status}

    def error(self, status: int) -> Reply:
        return Reply(status, b"Service Temporarily Unavailable", "text/plain")


@dataclass
class FakeKaleyra(FakeGateway):
    """Kaleyra's /v1/<SID>/messages: `api-key` header, form fields with the DLT ids."""

    sid: str = "HXIN1234567890IN"
    api_key: str = "Akaleyra-api-key-s3cret"

    def answer(self, request: Request) -> Reply:
        if request.path != f"/v1/{self.sid}/messages":
            return Reply.of(404, {"code": "E404", "message": "Not found", "error": {}})
        if request.headers.get("api-key") != self.api_key:
            return Reply.of(401, {"code": "E101", "message": "Invalid API key", "error": {}})
        fields = request.form()
        template = self.registered(fields.get("template_id", ""))
        body = fields.get("body", "")
        if (
            template is None
            or fields.get("entity_id") != template.entity_id
            or fields.get("sender") != template.header
            or not template.matches(body)
        ):
            return self._refuse("E612", "Template not found or not matching", "template_id")
        if fields.get("unicode") != ("1" if self.unicode_needed(template, body) else "0"):
            return self._refuse("E613", "Template content type mismatch", "unicode")
        to = fields.get("to", "")
        if not E164_INDIA.fullmatch(to) or to[3:] in self.invalid:
            return self._refuse("E413", f"Invalid number {to}", "to")
        request_id = f"ee8a{next(self.ids):04d}-1c2d-4e5f-8a9b-9b717cafe30d"
        self.taken[f"{request_id}:1"] = body
        return Reply.of(
            202,
            {
                "id": request_id,
                "type": fields.get("type"),
                "sender": fields.get("sender"),
                "body": body,
                "totalCount": 1,
                "data": [{"message_id": f"{request_id}:1", "recipient": to.removeprefix("+")}],
                "error": {},
            },
        )

    @staticmethod
    def _refuse(code: str, message: str, field_name: str) -> Reply:
        return Reply.of(400, {"code": code, "message": message, "error": {field_name: message}})

    def error(self, status: int) -> Reply:
        return Reply.of(status, {"code": f"E{status}", "message": "Server busy", "error": {}})


@dataclass
class FakeSns(FakeGateway):
    """SNS's Query API (`Action=Publish`, SigV4-signed, XML answers) for SMS to India."""

    access_key_id: str = "AKIAFAKESNS000000001"
    secret_access_key: str = "sns-secret-access-key-s3cret"

    def answer(self, request: Request) -> Reply:
        fields = request.form()
        if fields.get("Action") != "Publish" or fields.get("Version") != "2010-03-31":
            return self._error(400, "InvalidAction", "The action is not valid")
        if not self.signed(request):
            return self._error(403, "InvalidClientTokenId", "The security token is invalid.")
        attributes = self._attributes(fields)
        template = self.registered(attributes.get("AWS.MM.SMS.TemplateId", ""))
        text = fields.get("Message", "")
        if (
            attributes.get("AWS.SNS.SMS.SMSType") != "Transactional"
            or template is None
            or attributes.get("AWS.MM.SMS.EntityId") != template.entity_id
            or attributes.get("AWS.SNS.SMS.SenderID") != template.header
            or not template.matches(text)
        ):
            return self._error(400, "InvalidParameter", "Invalid parameter: MessageAttributes")
        phone = fields.get("PhoneNumber", "")
        if not E164_INDIA.fullmatch(phone) or phone[3:] in self.invalid:
            reason = f"Invalid parameter: PhoneNumber Reason: {phone} is not valid to publish to"
            return self._error(400, "InvalidParameter", reason)
        message_id = f"5e1e93ca-d6fc-054d-8e75-{next(self.ids):012d}"
        self.taken[message_id] = text
        xml = (
            '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
            f"<PublishResult><MessageId>{message_id}</MessageId></PublishResult>"
            "<ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId>"
            "</ResponseMetadata></PublishResponse>"
        )
        return Reply(200, xml.encode("utf-8"), "text/xml")

    def signed(self, request: Request) -> bool:
        """Whether the request carries a valid SigV4 signature by this fake's key pair."""
        found = _SIGV4.fullmatch(request.headers.get("Authorization", ""))
        if found is None or found["key"] != self.access_key_id:
            return False
        names = found["signed"].split(";")
        headers = {k: v for k, v in request.headers.items() if k.lower() in names}
        url = f"http://{request.headers['Host']}{request.path}"
        signable = AWSRequest(method=request.method, url=url, data=request.body, headers=headers)
        signable.context["timestamp"] = request.headers.get("X-Amz-Date", "")
        signer = SigV4Auth(
            Credentials(self.access_key_id, self.secret_access_key), "sns", found["region"]
        )
        wanted = signer.signature(
            signer.string_to_sign(signable, signer.canonical_request(signable)), signable
        )
        return hmac.compare_digest(wanted, found["signature"])

    @staticmethod
    def _attributes(fields: dict[str, str]) -> dict[str, str]:
        found = {}
        for key, name in fields.items():
            match = re.fullmatch(r"MessageAttributes\.entry\.(\d+)\.Name", key)
            if match:
                prefix = f"MessageAttributes.entry.{match.group(1)}.Value"
                if fields.get(f"{prefix}.DataType") == "String":
                    found[name] = fields.get(f"{prefix}.StringValue", "")
        return found

    def error(self, status: int) -> Reply:
        if status == 429:
            return self._error(400, "Throttling", "Rate exceeded")
        return self._error(status, "InternalError", "An internal error occurred")

    @staticmethod
    def _error(status: int, code: str, message: str) -> Reply:
        kind = "Sender" if status < 500 else "Receiver"
        xml = (
            '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
            f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>42d59b56-7407-4c4a-be0f-4c88daeea257</RequestId></ErrorResponse>"
        )
        return Reply(status, xml.encode("utf-8"), "text/xml")
