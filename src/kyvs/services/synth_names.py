"""Who the synthetic people are: names, homes and centres, demographic weights and identifiers.

The names come from Faker's Indian locales, copied once into `synth_names.json` (so a Faker
upgrade cannot change the people of a seed, and Faker is not needed to run kyvs) and cleaned
here: Faker's lists carry some misspellings, broken Unicode and Western baby names unlikely among
Indian adults in 2021, so each pool drops those and adds a few common names the locale lacks.
Reference ids and mobiles are made here too, fast, and distinct within a seed.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kyvs.domain import reference_ids
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Gender, PhotoIdType

LATIN, HINDI, GUJARATI, MARATHI = "latin", "hindi", "gujarati", "marathi"

# Demographic weights; the unit tests hold the output to them.
HOUSEHOLD_SIZES = (45, 25, 15, 9, 4, 2)  # households of 1, 2, ... 6 people sharing a mobile
SCRIPTS = {LATIN: 92, HINDI: 8 / 3, GUJARATI: 8 / 3, MARATHI: 8 / 3}  # households' name scripts
SURNAME_SHARED = 0.85  # chance a member after the first has the household's surname
MIDDLE_NAME = 0.12  # a father's or husband's name between first name and surname
TEEN_MEMBER = 0.05  # chance a member after the first was born 2004-2009
GENDERS = ((Gender.MALE, 495), (Gender.FEMALE, 495), (Gender.OTHER, 10))
ADULT_BIRTH_YEARS = ((1940, 1959, 1), (1960, 1979, 2), (1980, 2003, 3))  # first, last, weight
PHOTO_IDS = (
    (None, 4),
    (PhotoIdType.AADHAAR, 80),
    (PhotoIdType.PAN, 6),
    (PhotoIdType.VOTER_ID, 5),
    (PhotoIdType.DRIVING_LICENCE, 3),
    (PhotoIdType.PASSPORT, 2),
)

# The Unicode block every character of a name in that script must lie in.
_BLOCKS = {
    LATIN: (ord("A"), ord("z")),
    HINDI: (0x0900, 0x097F),
    GUJARATI: (0x0A80, 0x0AFF),
    MARATHI: (0x0900, 0x097F),
}


@dataclass(frozen=True, slots=True)
class NamePool:
    """First names by gender and surnames, all in one script."""

    script: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Region:
    """A state: its driving-licence code and the vaccination centres people there went to."""

    name: str
    state_code: str
    centres: tuple[str, ...]


REGIONS = (
    Region("Gujarat", "GJ", (
        "PHC Anand", "Apollo Hospital Ahmedabad", "Civil Hospital Ahmedabad", "CHC Sanand",
        "SSG Hospital Vadodara", "New Civil Hospital Surat", "PHC Bavla", "UHC Rajkot Ward 7",
        "District Hospital Bhuj", "PHC Kalol",
    )),
    Region("Maharashtra", "MH", (
        "District Hospital Pune", "Sassoon General Hospital Pune", "KEM Hospital Mumbai",
        "BKC Jumbo Covid Centre Mumbai", "Nesco Covid Centre Goregaon", "PHC Shirur",
        "Rural Hospital Junnar", "Government Medical College Nagpur", "Civil Hospital Nashik",
        "UPHC Kothrud Pune",
    )),
    Region("Delhi", "DL", (
        "AIIMS New Delhi", "Safdarjung Hospital New Delhi", "Lok Nayak Hospital Delhi",
        "GTB Hospital Delhi", "Dispensary Lajpat Nagar", "Max Hospital Saket",
        "RML Hospital New Delhi", "Deen Dayal Upadhyay Hospital Delhi",
    )),
    Region("Uttar Pradesh", "UP", (
        "Balrampur Hospital Lucknow", "KGMU Lucknow", "District Hospital Varanasi", "CHC Chinhat",
        "PHC Bakshi Ka Talab", "District Hospital Agra", "SN Medical College Agra",
        "District Hospital Gorakhpur",
    )),
    Region("Rajasthan", "RJ", (
        "SMS Hospital Jaipur", "District Hospital Ajmer", "PHC Bassi", "MDM Hospital Jodhpur",
    )),
    Region("Madhya Pradesh", "MP", (
        "Hamidia Hospital Bhopal", "MY Hospital Indore", "District Hospital Gwalior", "CHC Sehore",
    )),
    Region("Karnataka", "KA", (
        "Victoria Hospital Bengaluru", "Manipal Hospital Bengaluru", "PHC Hoskote",
        "District Hospital Mysuru",
    )),
)  # fmt: skip

# Where households registering in each script live (weights by region name).
HOMES = {
    LATIN: {"Gujarat": 20, "Maharashtra": 25, "Delhi": 12, "Uttar Pradesh": 20,
            "Rajasthan": 8, "Madhya Pradesh": 8, "Karnataka": 7},
    HINDI: {"Delhi": 12, "Uttar Pradesh": 20, "Rajasthan": 8, "Madhya Pradesh": 8},
    GUJARATI: {"Gujarat": 1},
    MARATHI: {"Maharashtra": 1},
}  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@cache
def _faker_lists() -> dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """(male, female, surnames) of each script, as Faker's locales had them (see the data file)."""
    text = resources.files("kyvs.services").joinpath("synth_names.json").read_text("utf-8")
    pools = json.loads(text)["pools"]
    return {
        script: (
            tuple(pools[script]["male"]),
            tuple(pools[script]["female"]),
            tuple(pools[script]["last"]),
        )
        for script in (LATIN, HINDI, GUJARATI, MARATHI)
    }


# Faker entries left out. en_IN: Western baby names and non-Indian surnames. hi_IN: misspellings
# (हर्श, मनीश, दुत्ता), words that are not given names (महात्मा, राज्य, शर्म), names filed under the
# wrong gender (re-added under the right one below), garbled transliterations. gu_IN: the same.
_DROP = {
    LATIN: _words(
        "Caleb Elijah Ethan Finn Frado Gavin Harrison Jack Jackson Jeremiah Liam Logan Mason Max "
        "Noah Oliver Oscar Owen Quincy Theodore Tristan Wyatt Chasmum Warjas "
        "Anne Ben Boase Comar Kumer Nagy Parmer Pau Sem"
    ),
    HINDI: _words(
        "आकाङ्क्षा अरुणा इला चन्दना विजया महात्मा काम बल रावण शर्म चण्ड हर्श हर्शद हर्शल गोतम कशोर "
        "मनीश सेठ हनुमान् सवितृ वासिष्ठ ब्रह्मा देवदान ज़स्विन्देर् भरत गोपीनाथ गुलज़ार इन्द्रजित कैलाश "
        "क्षितिज राज्य नित्य रत्न पद्म रुपिन्द्र रोहना स्वर्ण काली काशी तृष्णा देवी कुमारी "
        "ख़ान महेन्द्रा ज्योतिष कम्बोज चण्डा मधुर "
        "बुरुाह रोद्रिगुएस वेंकटएसन बलासुब्रमानियम दुत्ता चवन झादव चोधरी महरा भट मालिक चोपरा"
    ),
    GUJARATI: _words("દીપા હીરા કાજલ રાધીકા સંદિપ કુમાર"),
}

# Common names the locales lack, as (male, female, surnames).
_ADD = {
    HINDI: (
        _words("हर्ष मनीष अनंत किशोर अजय विनोद संतोष रमेश भरत कैलाश इन्द्रजित गोपीनाथ"),
        _words("सुनीता कविता रेखा पूनम अंजलि"),
        _words("चोपड़ा मलिक दत्ता पांडे अग्रवाल"),
    ),
    GUJARATI: (
        _words("ધર્મેશ હિતેશ જીગ્નેશ કલ્પેશ ભાવેશ પરેશ અલ્પેશ ઘનશ્યામ નરેશ ચંદ્રકાંત સંદીપ"),
        _words(
            "ભાવના હેતલ કિંજલ મિત્તલ ધારા જાગૃતિ નિરાલી હેમા ગીતા મીના જ્યોતિ દક્ષા રેખા ભૂમિ "
            "ફાલ્ગુની કોમલ રાધિકા હિના ઊર્મિલા મનીષા દીપા પારુલ કાજલ હીરા"
        ),
        _words(
            "શાહ મહેતા દેસાઈ પંડ્યા ત્રિવેદી વ્યાસ પરમાર ચૌહાણ સોલંકી રાઠોડ ભટ્ટ જાની દવે ઠાકોર મોદી "
            "પરીખ ગાંધી અમીન મકવાણા વાઘેલા ઝાલા પ્રજાપતિ"
        ),
    ),
    MARATHI: (
        _words("सुहास विजय संतोष दिलीप रमेश अजय सुधीर"),
        _words("सुनीता मनीषा शुभांगी सविता वर्षा रेखा"),
        _words("गोखले साठे केळकर लोखंडे शेलार नाईक बर्वे"),
    ),
}


def _clean(names: Iterable[str], script: str) -> tuple[str, ...]:
    """One word each, NFC, every character a letter or mark of the script's block; no repeats."""
    low, high = _BLOCKS[script]
    kept: dict[str, None] = {}
    for raw in names:
        name = _nfc(raw.strip())
        if not name or not unicodedata.category(name[0]).startswith("L"):
            continue
        if all(low <= ord(ch) <= high and unicodedata.category(ch)[0] in "LM" for ch in name):
            kept[name] = None
    return tuple(kept)


def _pool(script: str) -> NamePool:
    """Faker's lists for the script less `_DROP`'s names, plus `_ADD`'s, cleaned."""
    dropped = {_nfc(name) for name in _DROP.get(script, ())}
    ours = _ADD.get(script, ((), (), ()))
    male, female, last = (
        _clean([*(n for n in theirs if _nfc(n) not in dropped), *added], script)
        for theirs, added in zip(_faker_lists()[script], ours, strict=True)
    )
    return NamePool(script, male, female, last)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@cache
def name_pools() -> dict[str, NamePool]:
    """The pool of each script (`LATIN`, `HINDI`, `GUJARATI`, `MARATHI`), built once per process."""
    return {script: _pool(script) for script in _faker_lists()}


def homes() -> list[tuple[tuple[NamePool, Region], float]]:
    """Every (name pool, region) a household can have, with its share of households."""
    pools, regions = name_pools(), {region.name: region for region in REGIONS}
    found = []
    for script, share in SCRIPTS.items():
        total = sum(HOMES[script].values())
        for name, weight in HOMES[script].items():
            found.append(((pools[script], regions[name]), share * weight / total))
    return found


def document_number(
    kind: PhotoIdType, rng: random.Random, birth_year: int, initial: str, region: Region
) -> str:
    """A synthetic number in the document's format; `initial` is the surname's, if in Latin."""
    if kind is PhotoIdType.AADHAAR:  # 12 digits, never starting with 0 or 1
        return str(rng.randrange(2 * 10**11, 10**12))
    letters = "".join(rng.choices(string.ascii_uppercase, k=5))
    if kind is PhotoIdType.PAN:  # the 4th letter is P for a person, the 5th the surname's initial
        return f"{letters[:3]}P{initial or letters[3]}{rng.randrange(10**4):04d}{letters[4]}"
    if kind is PhotoIdType.PASSPORT:
        return f"{letters[0]}{rng.randrange(10**6, 10**7)}"
    if kind is PhotoIdType.DRIVING_LICENCE:  # state, RTO, year of issue, serial
        issued = rng.randint(max(birth_year + 18, 1990), 2021)
        return f"{region.state_code}{rng.randint(1, 40):02d}{issued}{rng.randrange(10**7):07d}"
    return f"{letters[:3]}{rng.randrange(10**7):07d}"  # a voter ID's EPIC number, and the rest


class ReferenceIds:
    """`reference_ids.synthetic(seed, i)`; for rising i, one slow call per thousand ids.

    A Verhoeff check digit depends on the first ten digits only through the check digit of those
    ten digits followed by `000`, so ten tables of a thousand endings serve every block.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._block = -1
        self._head = ""
        self._tails: tuple[str, ...] = ()
        self._tables: dict[str, tuple[str, ...]] = {}

    def __call__(self, index: int) -> str:
        block, low = divmod(index, 1000)
        if block != self._block:
            self._load(block)
        return self._head + self._tails[low]

    def _load(self, block: int) -> None:
        first = reference_ids.synthetic(self._seed, block * 1000)
        head, key = first[:10], first[13]
        if key not in self._tables:
            self._tables[key] = tuple(
                f"{low:03d}{reference_ids.check_digit(f'{head}{low:03d}')}" for low in range(1000)
            )
        tails = self._tables[key]
        if head + tails[-1] != reference_ids.synthetic(self._seed, block * 1000 + 999):
            raise RuntimeError("reference_ids.synthetic changed its layout; update ReferenceIds")
        self._block, self._head, self._tails = block, head, tails


class Mobiles:
    """A distinct mobile for each household of a seed, none shared with most other seeds.

    A hash of the seed picks its block b, one of 1000. Household h is x = 1000 h + b + 1, and
    x -> A x mod P is a bijection of 1..P-1 that scatters the digits, so 6e9 + A x mod P is a
    10-digit mobile from 6 to 9. Two seeds share mobiles only if they share a block (1 in 1000).
    """

    PRIME = 3_999_999_979  # the largest prime below 4 * 10**9
    MULTIPLIER = 2_654_435_769
    MAX_HOUSEHOLDS = (PRIME - 1) // 1000

    def __init__(self, seed: int) -> None:
        digest = hashlib.sha256(f"kyvs-synth-mobiles-{seed}".encode()).digest()
        self._block = int.from_bytes(digest[:4], "big") % 1000

    def __call__(self, household: int) -> MobileNumber:
        if household >= self.MAX_HOUSEHOLDS:
            raise ValueError(f"a seed has at most {self.MAX_HOUSEHOLDS:,} households")
        scattered = self.MULTIPLIER * (household * 1000 + self._block + 1) % self.PRIME
        return MobileNumber(str(6_000_000_000 + scattered))
