"""OTP channel preferences in the `otp_channels` table, one row per keyed hash of a mobile."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from kyvs.adapters.sql.tables import otp_channels
from kyvs.adapters.sql.units import SqlUnits, first_row, written
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp_channel import DEFAULT_CHANNEL, OtpChannel, mobile_key
from kyvs.ports import Clock

_c = otp_channels.c
_FIND = select(_c.channel).where(_c.mobile_key == bindparam("mobile_key"))
_INSERT = insert(otp_channels)
_UPDATE = (
    update(otp_channels)
    .where(_c.mobile_key == bindparam("key"))
    .values(channel=bindparam("new_channel"), updated_at=bindparam("at"))
)


class SqlChannelPreferences:
    """The citizens' channel choices; the table holds keyed hashes, never a number."""

    def __init__(self, units: SqlUnits, *, secret: bytes, clock: Clock) -> None:
        self.units = units
        self._secret = secret
        self.clock = clock

    def __repr__(self) -> str:
        return "SqlChannelPreferences()"

    async def get(self, mobile: MobileNumber) -> OtpChannel:
        """The channel chosen for `mobile`, else SMS (also for a value this version does not
        know, written by a newer one)."""
        row = await first_row(self.units, _FIND, {"mobile_key": mobile_key(self._secret, mobile)})
        if row is None or row["channel"] not in set(OtpChannel):
            return DEFAULT_CHANNEL
        return OtpChannel(row["channel"])

    async def set(self, mobile: MobileNumber, channel: OtpChannel) -> None:
        """Choose `channel` for `mobile` (insert, or update the row already there)."""
        key, now = mobile_key(self._secret, mobile), self.clock.now()

        def write(connection: Connection) -> None:
            changed = {"key": key, "new_channel": str(channel), "at": now}
            if connection.execute(_UPDATE, changed).rowcount == 0:
                row = {"mobile_key": key, "channel": str(channel), "updated_at": now}
                connection.execute(_INSERT, row)

        await self.units.write(write)

    async def forget(self, mobile: MobileNumber) -> bool:
        """Erase the choice for `mobile` (OTPs then go by SMS); False when there was none."""
        statement = delete(otp_channels).where(_c.mobile_key == mobile_key(self._secret, mobile))
        return await written(self.units, statement) > 0
