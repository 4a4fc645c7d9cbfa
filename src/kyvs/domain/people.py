"""Beneficiaries: the people in the vaccination registry."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

# python-stdnum is the one library the domain uses: pure rules of document numbers (no I/O, no
# clock), maintained against the issuers' specifications, where hand-made tables go wrong.
from stdnum.exceptions import ValidationError
from stdnum.in_ import aadhaar, pan

from kyvs.domain import reference_ids
from kyvs.domain.doses import Dose
from kyvs.domain.errors import InvalidInput, InvalidPhotoId
from kyvs.domain.mobile import MobileNumber

EARLIEST_BIRTH_YEAR = 1900
MAX_NAME_LENGTH = 120


class Gender(StrEnum):
    """Gender as registered: male, female or other."""

    MALE = "M"
    FEMALE = "F"
    OTHER = "O"

    @classmethod
    def parse(cls, text: str) -> Gender:
        """Accept `M`/`F`/`O` and the English words, in any case."""
        key = text.strip().upper()
        words = {"MALE": "M", "FEMALE": "F", "OTHER": "O", "OTHERS": "O", "TRANSGENDER": "O"}
        key = words.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise InvalidInput("Gender is M (male), F (female) or O (other).") from None


class PhotoIdType(StrEnum):
    """The photo-ID documents accepted at registration (as CoWIN listed them)."""

    AADHAAR = "AADHAAR"
    PAN = "PAN"
    PASSPORT = "PASSPORT"
    VOTER_ID = "VOTER_ID"
    DRIVING_LICENCE = "DRIVING_LICENCE"
    NPR_SMART_CARD = "NPR_SMART_CARD"
    PENSION_PASSBOOK = "PENSION_PASSBOOK"
    UDID = "UDID"
    RATION_CARD = "RATION_CARD"

    @classmethod
    def parse(cls, text: str) -> PhotoIdType:
        """Accept the code in any case, with spaces or dashes for underscores."""
        key = text.strip().upper().replace(" ", "_").replace("-", "_")
        try:
            return cls(key)
        except ValueError:
            kinds = ", ".join(kind.value for kind in cls)
            raise InvalidInput(f"Photo-ID type is one of {kinds}.") from None


@dataclass(frozen=True, slots=True)
class PhotoId:
    """A photo-ID document. The number is stored but only ever shown masked."""

    kind: PhotoIdType
    number: str

    @classmethod
    def parse(cls, kind: str, number: str) -> PhotoId:
        """A photo ID from its type and number as typed (spaces dropped)."""
        compact = "".join(number.split()).upper()
        if not 4 <= len(compact) <= 20 or not compact.isascii() or not compact.isalnum():
            raise InvalidInput("A photo-ID number has 4 to 20 letters or digits.")
        photo_id = cls(PhotoIdType.parse(kind), compact)
        photo_id.check_number()
        return photo_id

    def check_number(self) -> None:
        """Raise `InvalidPhotoId` when the number breaks its document's rules, where known."""
        rule = _NUMBER_RULES.get(self.kind)
        if rule is None:
            return
        validate, explanation = rule
        try:
            validate(self.number)
        except ValidationError:
            # stdnum's message says only what is wrong; the number stays out of it (and of logs).
            raise InvalidPhotoId(explanation) from None

    @property
    def masked(self) -> str:
        """Only the last four characters show."""
        return "X" * (len(self.number) - 4) + self.number[-4:]

    def __repr__(self) -> str:
        return f"PhotoId(kind={self.kind.value!r}, number={self.masked!r})"


# The documents whose numbers have rules of their own, and what a refused number is told.
_NUMBER_RULES: dict[PhotoIdType, tuple[Callable[[str], str], str]] = {
    PhotoIdType.AADHAAR: (
        aadhaar.validate,
        "This is not a valid Aadhaar number: it has 12 digits, does not start with 0 or 1, "
        "and its last digit checks the others; check it against the card.",
    ),
    PhotoIdType.PAN: (
        pan.validate,
        "This is not a valid PAN: it has 5 letters, 4 digits and a letter, the 4th letter "
        "saying who holds it (P for a person); check it against the card.",
    ),
}


def clean_full_name(text: str) -> str:
    """The full name as registered: NFC-normalised, inner spaces collapsed, in any script."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise InvalidInput("The full name is empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"The full name is longer than {MAX_NAME_LENGTH} characters.")
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        raise InvalidInput("The full name has no letters.")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in name):
        raise InvalidInput("The full name has control or invisible characters.")
    return name


def check_birth_year(year: int, *, current_year: int) -> int:
    """A plausible birth year: from 1900 to this year."""
    if not EARLIEST_BIRTH_YEAR <= year <= current_year:
        raise InvalidInput(f"Birth year must be between {EARLIEST_BIRTH_YEAR} and {current_year}.")
    return year


@dataclass(frozen=True, slots=True)
class Beneficiary:
    """A person in the registry, identified by a 14-digit reference id."""

    reference_id: str
    full_name: str
    birth_year: int
    gender: Gender
    mobile: MobileNumber
    photo_id: PhotoId | None = None

    def __post_init__(self) -> None:
        if not reference_ids.is_valid(self.reference_id):
            raise InvalidInput("A reference id has 14 digits with a valid check digit.")

    @property
    def reference_id_masked(self) -> str:
        """The reference id as providers may see it: `XXXXXXXXXX1234`."""
        return reference_ids.masked(self.reference_id)


@dataclass(frozen=True, slots=True)
class Registration:
    """A beneficiary together with the doses the registry holds for them."""

    beneficiary: Beneficiary
    doses: tuple[Dose, ...] = ()
