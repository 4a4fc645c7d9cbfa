"""Indian mobile numbers: parsing the ways people type them, and masking them for display."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kyvs.domain.errors import InvalidInput

_NATIONAL = re.compile(r"[6-9][0-9]{9}")
_BRACKETS_AND_DOTS = frozenset("().")


@dataclass(frozen=True, slots=True)
class MobileNumber:
    """A 10-digit Indian mobile number (national significant number, no prefix)."""

    national: str

    @classmethod
    def parse(cls, text: str) -> MobileNumber:
        """Accept `98765 43210`, `+91-98765-43210`, `091 9876543210`, `09876543210` and the like.

        Digits may be in any script (`९८७६५ ४३२१०` typed on a Devanagari keyboard, full-width
        digits); spaces, dashes, dots and brackets between them, and invisible marks that
        copying a number from a chat app brings along, are ignored.
        """
        digits = _typed_digits(text)
        if digits.startswith("+"):
            digits = digits[1:]
            if not digits.startswith("91"):
                raise InvalidInput("Only Indian mobile numbers (+91) are supported.")
            digits = digits[2:]
        elif digits.startswith("0091"):
            digits = digits[4:]
        elif len(digits) == 13 and digits.startswith("091"):
            digits = digits[3:]
        elif len(digits) == 12 and digits.startswith("91"):
            digits = digits[2:]
        elif len(digits) == 11 and digits.startswith("0"):
            digits = digits[1:]
        if not _NATIONAL.fullmatch(digits):
            raise InvalidInput(
                "A mobile number has 10 digits and starts with 6, 7, 8 or 9 "
                "(a +91 or 0 prefix is fine)."
            )
        return cls(digits)

    @property
    def e164(self) -> str:
        """The number as an SMS gateway wants it: `+919876543210`."""
        return f"+91{self.national}"

    @property
    def masked(self) -> str:
        """Only the last four digits show: `XXXXXX3210`."""
        return "X" * 6 + self.national[-4:]

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        # Keeps the full number out of logs and tracebacks that print a Beneficiary.
        return f"MobileNumber({self.masked!r})"


def _typed_digits(text: str) -> str:
    """`text` with digits of any script made ASCII, and separators and invisible marks dropped."""
    kept = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category == "Nd":
            kept.append(str(unicodedata.digit(ch)))
        elif not (category in {"Cf", "Pd"} or ch.isspace() or ch in _BRACKETS_AND_DOTS):
            kept.append(ch)
    return "".join(kept)
