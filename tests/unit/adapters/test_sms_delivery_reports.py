"""Each Indian SMS gateway's delivery-report callback, in its documented shapes, read into
`DeliveryReport`s: delivered, failed by the number, failed by the route (DLT scrubbing)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.adapters.sms.gateways import GATEWAYS, report_parser
from kyvs.ports import DeliveryReport

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
NUMBER = "919876543210"


def msg91_v3(request_id: str, status: str, desc: str) -> bytes:
    event = {"requestId": request_id, "number": NUMBER, "status": status, "desc": desc}
    return json.dumps({**event, "senderId": "KYVSOT", "date": "2026-12-07 10:06:20"}).encode()


def test_msg91_webhook_v3_reports_each_request():
    parse = report_parser("msg91")
    assert parse(msg91_v3("346a", "1", "DELIVERED"), JSON, {}) == [
        DeliveryReport("msg91", "346a", delivered=True, detail="1")
    ]
    assert parse(msg91_v3("346b", "17", "Blocked number"), JSON, {}) == [
        DeliveryReport("msg91", "346b", delivered=False, carrier_failing=False, detail="17")
    ]
    assert parse(msg91_v3("346c", "16", "Rejected"), JSON, {}) == [
        DeliveryReport("msg91", "346c", delivered=False, carrier_failing=True, detail="16")
    ]


def test_msg91_webhook_v2_is_a_form_with_the_requests_as_json():
    data = [
        {
            "senderId": "KYVSOT",
            "requestId": "346XXXXXXXXXXXX130",
            "report": [
                {
                    "date": "2024-05-22 10:06:20",
                    "number": NUMBER,
                    "status": "1",
                    "desc": "DELIVERED",
                },
                {"number": "919876543211", "status": "25", "desc": "REJECTED"},
                {"number": "919876543212", "status": "2", "desc": "FAILED"},
                {"number": "919876543213", "status": "8", "desc": "SUBMITTED"},
            ],
            "userId": "27XXXX",
            "campaignName": "API",
        }
    ]
    reports = report_parser("msg91")(urlencode({"data": json.dumps(data)}).encode(), FORM, {})
    assert [(r.delivered, r.carrier_failing, r.detail) for r in reports] == [
        (True, False, "1"),
        (False, True, "25"),
        (False, False, "2"),
    ]  # 8 is not final
    assert {r.message_id for r in reports} == {"346XXXXXXXXXXXX130"}


def test_gupshup_calls_the_delivery_url_with_a_query():
    parse = report_parser("gupshup")

    def query(status: str, cause: str, code: str) -> dict[str, str]:
        return {
            "externalId": "3562707498794989059-328736121207676738",
            "deliveredTS": "1526347800000",
            "status": status,
            "cause": cause,
            "phoneNo": NUMBER,
            "errCode": code,
        }

    delivered = parse(b"", "", query("SUCCESS", "SUCCESS", "000"))
    assert delivered == [
        DeliveryReport(
            "gupshup", "3562707498794989059-328736121207676738", delivered=True, detail="SUCCESS"
        )
    ]
    (by_number,) = parse(b"", "", query("FAILURE", "UNKNOWN_SUBSCRIBER", "003"))
    assert (by_number.delivered, by_number.carrier_failing) == (False, False)
    (by_dlt,) = parse(b"", "", query("FAILURE", "DLT_TEMPLATE_ID_NOT_MATCHING", "026"))
    assert (by_dlt.delivered, by_dlt.carrier_failing) == (False, True)
    assert parse(b"", "", query("UNKNOWN", "", "")) == []


def test_gupshup_posts_a_json_array_of_events():
    events = [
        {"externalId": "11-1", "eventType": "DELIVERED", "destAddr": NUMBER, "cause": "SUCCESS"},
        {"externalId": "11-2", "eventType": "FAILED", "cause": "ABSENT_SUBSCRIBER"},
        {"externalId": "11-3", "eventType": "FAILED", "cause": "SYSTEM_FAILURE"},
    ]
    reports = report_parser("gupshup")(json.dumps(events).encode(), JSON, {})
    assert [(r.message_id, r.delivered, r.carrier_failing) for r in reports] == [
        ("11-1", True, False),
        ("11-2", False, False),
        ("11-3", False, True),
    ]


def test_kaleyra_callbacks_carry_the_id_status_and_trace():
    parse = report_parser("kaleyra")
    delivered = {"id": "ee8a0001:1", "status": "Delivered", "status_details": "DELIVERED"}
    assert parse(json.dumps(delivered).encode(), JSON, {}) == [
        DeliveryReport("kaleyra", "ee8a0001:1", delivered=True, detail="DELIVERED")
    ]
    by_number = {"id": "ee8a0002:1", "status": "Undelivered", "status_details": "INVALID-SUB"}
    (report,) = parse(b"", "", by_number)  # a GET callback: the query
    assert (report.delivered, report.carrier_failing, report.detail) == (
        False,
        False,
        "INVALID-SUB",
    )
    by_dlt = {"message_id": "ee8a0003:1", "status": "NOT-SENT", "trace": "INV-TEMPLATE-MATCH"}
    (report,) = parse(urlencode(by_dlt).encode(), FORM, {})
    assert (report.delivered, report.carrier_failing) == (False, True)
    assert parse(json.dumps({"id": "ee8a0004:1", "status": "Sent"}).encode(), JSON, {}) == []


def sns_notification(event: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
            "TopicArn": "arn:aws:sns:ap-south-1:111122223333:kyvs-sms-events",
            "Message": json.dumps(event),
            "Timestamp": "2026-12-07T10:06:20.000Z",
        }
    ).encode()


def sms_event(status: str, *, final: bool = True) -> dict[str, object]:
    return {
        "eventType": f"TEXT_{status}",
        "isFinal": final,
        "destinationPhoneNumber": f"+{NUMBER}",
        "messageId": "5e1e93ca-d6fc-054d-8e75-000000000001",
        "messageStatus": status,
        "messageStatusDescription": "words",
    }


@pytest.mark.parametrize(
    ("status", "delivered", "carrier_failing"),
    [
        ("DELIVERED", True, False),
        ("SUCCESSFUL", True, False),
        ("UNREACHABLE", False, False),
        ("INVALID", False, False),
        ("CARRIER_BLOCKED", False, True),
        ("SPAM", False, True),
    ],
)
def test_sns_delivery_events_arrive_as_notifications(status, delivered, carrier_failing):
    (report,) = report_parser("sns")(sns_notification(sms_event(status)), "text/plain", {})
    assert report == DeliveryReport(
        "sns",
        "5e1e93ca-d6fc-054d-8e75-000000000001",
        delivered=delivered,
        carrier_failing=carrier_failing,
        detail=status,
    )


def test_sns_raw_events_eventbridge_envelopes_and_pending_ones():
    parse = report_parser("sns")
    raw = json.dumps(sms_event("DELIVERED")).encode()
    assert parse(raw, JSON, {})[0].delivered
    envelope = {"source": "aws.sms-voice", "detail": sms_event("UNREACHABLE")}
    assert parse(json.dumps(envelope).encode(), JSON, {})[0].carrier_failing is False
    assert parse(sns_notification(sms_event("PENDING", final=False)), JSON, {}) == []
    assert parse(sns_notification(sms_event("SUCCESSFUL", final=False)), JSON, {}) == []
    confirmation = {"Type": "SubscriptionConfirmation", "SubscribeURL": "https://sns.example"}
    assert parse(json.dumps(confirmation).encode(), JSON, {}) == []


MALFORMED = {
    "msg91": [(b"{not json " + NUMBER.encode(), JSON), (b"nodata=" + NUMBER.encode(), FORM)],
    "gupshup": [(b"[{" + NUMBER.encode(), JSON), (b"phoneNo=" + NUMBER.encode(), FORM)],
    "kaleyra": [(b'{"status": "Delivered", "to": "' + NUMBER.encode() + b'"}', JSON)],
    "sns": [(b'{"Type": "Notification", "Message": "' + NUMBER.encode() + b'"}', JSON)],
}


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [(name, body, kind) for name, cases in MALFORMED.items() for body, kind in cases],
)
def test_a_malformed_report_is_a_value_error_that_does_not_echo_it(name, body, content_type):
    with pytest.raises(ValueError, match=r"^the report|^a report entry") as raised:
        report_parser(name)(body, content_type, {})
    assert NUMBER not in str(raised.value)


def test_every_gateway_but_the_generic_one_has_a_parser():
    assert all(callable(report_parser(name)) for name in GATEWAYS if name != "http")
    with pytest.raises(ValueError, match="no delivery reports"):
        report_parser("http")
    with pytest.raises(ValueError, match="unknown SMS gateway"):
        report_parser("twilio")


def test_a_deeply_nested_report_is_a_value_error():
    for name in ("msg91", "gupshup", "kaleyra", "sns"):
        with pytest.raises(ValueError, match="not JSON"):
            report_parser(name)(b"[" * 200_000, JSON, {})


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
KEYS = ["requestId", "status", "report", "externalId", "eventType", "id", "message_id"]
KEYS += ["Type", "Message", "messageId", "messageStatus", "isFinal", "detail", "data"]
FIELDED = st.dictionaries(st.sampled_from(KEYS), JSONISH, max_size=5)


@given(
    name=st.sampled_from(["msg91", "gupshup", "kaleyra", "sns"]),
    document=FIELDED | st.lists(FIELDED, max_size=3) | JSONISH,
    content_type=st.sampled_from([JSON, FORM, "text/plain", ""]),
    query=st.dictionaries(st.sampled_from(KEYS), st.text(max_size=8), max_size=3),
)
def test_any_callback_gives_reports_or_a_value_error(name, document, content_type, query):
    for body in (json.dumps(document).encode(), urlencode({"data": json.dumps(document)}).encode()):
        try:
            reports = report_parser(name)(body, content_type, query)
        except ValueError as error:
            assert len(str(error)) < 60
            continue
        assert all(isinstance(report, DeliveryReport) for report in reports)
        assert all(report.gateway == name and report.message_id for report in reports)
