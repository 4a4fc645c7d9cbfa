"""The SMS receipt log in the `sms_receipts` table: which txn's OTP a gateway's message carried."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, and_, bindparam, delete, insert, select

from kyvs.adapters.sql.tables import sms_receipts
from kyvs.adapters.sql.units import SqlUnits, first_row
from kyvs.ports import SentSms

# Gateways report within minutes, retry for a day at most: older receipts are forgotten.
KEEP = dt.timedelta(days=2)

_r = sms_receipts.c
_INSERT = insert(sms_receipts)
_FIND = select(_r.txn_id, _r.sent_at).where(
    and_(_r.gateway == bindparam("gateway"), _r.message_id == bindparam("message_id"))
)
_EXPIRED = delete(sms_receipts).where(_r.sent_at < bindparam("before"))


class SqlSmsReceiptLog:
    """One row per message a gateway took; a gateway's duplicate id replaces nothing."""

    def __init__(self, units: SqlUnits, *, retention: dt.timedelta = KEEP) -> None:
        self.units = units
        self.retention = retention

    async def keep(self, sent: SentSms) -> None:
        """Remember the message; forget those older than `retention` (an index range delete)."""
        row = {
            "gateway": sent.gateway,
            "message_id": sent.message_id,
            "txn_id": sent.txn_id,
            "sent_at": sent.sent_at,
        }

        def write(connection: Connection) -> None:
            if connection.execute(_FIND, row).first() is None:
                connection.execute(_INSERT, row)
            connection.execute(_EXPIRED, {"before": sent.sent_at - self.retention})

        await self.units.write(write)

    async def find(self, gateway: str, message_id: str) -> SentSms | None:
        """The message, or None."""
        row = await first_row(self.units, _FIND, {"gateway": gateway, "message_id": message_id})
        if row is None:
            return None
        sent_at: dt.datetime = row["sent_at"]
        sent_at = sent_at.replace(tzinfo=dt.UTC) if sent_at.tzinfo is None else sent_at
        return SentSms(gateway, message_id, row["txn_id"], sent_at.astimezone(dt.UTC))
