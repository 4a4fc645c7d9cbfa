"""`/sms/reports/{gateway}/{token}`: where SMS gateways send their delivery reports.

Each gateway is given its own URL (`kyvs sms report-urls` prints them); the token in it is a
keyed hash of the gateway's name, so a wrong or missing one answers 404, like any unknown path.
GET and POST are both taken: some gateways call the URL with the report in its query string.
WhatsApp (when on) reports here too; its webhook handshake is answered when the verify token set
in Meta's dashboard is the URL's token.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from kyvs.domain.errors import SmsReportInvalid
from kyvs.services.delivery_reports import token_matches
from kyvs.web.deps import container

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.api_route("/sms/reports/{gateway}/{token}", methods=["GET", "POST"])
async def delivery_report(gateway: str, token: str, request: Request) -> Response:
    """Record a gateway's delivery reports; answer how many were taken."""
    wired = container(request)
    if gateway not in wired.settings.report_gateways or not token_matches(
        wired.secret_keys.tokens, gateway, token
    ):
        raise HTTPException(status_code=404)
    query = request.query_params
    if gateway == "whatsapp" and query.get("hub.mode") == "subscribe":
        # Meta's webhook handshake: the verify token set in its dashboard is the URL's token.
        if query.get("hub.verify_token") != token:
            raise HTTPException(status_code=404)
        return PlainTextResponse(query.get("hub.challenge", ""))
    body = await request.body()
    try:
        reports = wired.report_parser(gateway)(
            body, request.headers.get("content-type", ""), dict(request.query_params)
        )
    except ValueError as error:
        log.warning("delivery report from %s not read: %s", gateway, error)
        raise SmsReportInvalid(f"The {gateway} delivery report cannot be read.") from None
    # The URL names the gateway: a report cannot speak for another one.
    states = [
        await wired.delivery_reports.record(replace(report, gateway=gateway)) for report in reports
    ]
    return JSONResponse({"received": len(states)})
