"""India's DLT rules for an SMS content template, and filling one in.

Every commercial SMS in India must match a content template registered on a DLT platform by the
principal entity, sent under a registered header. Since TRAI's direction of November 2025 each
variable is pre-tagged with the kind of value it takes; kyvs uses `{#numeric#}` (an OTP),
`{#alphanumeric#}` (a provider's name) and `{#url#}` (the link to the privacy notice, a URL the
principal entity whitelists on its DLT platform: a URL travels only in such a variable). A
carrier drops a message whose text does not match its template, so kyvs checks every text
against its template before it is sent.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kyvs.domain.sms_encoding import GSM7_PART, UCS2_PART, SmsEncoding, sms_size

MAX_VARIABLES = 2  # besides the one `{#url#}` of the notice link
MAX_SEGMENTS = 2
LINK_SEGMENTS = 1  # the notice link may take one segment more
# The tightest limits the DLT platforms publish for a tagged value.
MAX_VALUE_CHARS = 30
MAX_NUMERIC_CHARS = 15
# kyvs's OTPs have 6 digits; a name gets what room the text leaves, at least this much.
OTP_CHARS = 6
MIN_NAME_CHARS = 16
HEADER_PATTERN = re.compile(r"[A-Z]{6}|[0-9]{6}")
ENTITY_ID_PATTERN = re.compile(r"[0-9]{10,25}")
TEMPLATE_ID_PATTERN = re.compile(r"[0-9]{10,25}")
_TAG = re.compile(r"\{#([a-z]+)#\}")
_TAG_NAMES = frozenset({"numeric", "alphanumeric", "url"})
_ANY_PLACEHOLDER = re.compile(r"\{#[^{}]*#\}|\{[^{}\s]*\}")


class VariableTag(StrEnum):
    """The tagged variable kinds kyvs's templates use."""

    NUMERIC = "numeric"
    ALPHANUMERIC = "alphanumeric"
    URL = "url"

    @property
    def placeholder(self) -> str:
        """How the tag is written in a template body: `{#numeric#}`."""
        return "{#" + self.value + "#}"

    @property
    def value_pattern(self) -> str:
        """A regular expression for the values the tag accepts."""
        if self is VariableTag.NUMERIC:
            return f"[0-9]{{1,{MAX_NUMERIC_CHARS}}}"
        if self is VariableTag.URL:  # no query: a whitelisted static URL has none
            return r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~-]+)*"
        return f"[A-Za-z0-9](?:[A-Za-z0-9 ]{{0,{MAX_VALUE_CHARS - 2}}}[A-Za-z0-9])?"

    def accepts(self, value: str) -> bool:
        """Whether `value` may fill a variable with this tag (a URL of at most
        `MAX_VALUE_CHARS`)."""
        if self is VariableTag.URL and len(value) > MAX_VALUE_CHARS:
            return False
        return re.fullmatch(self.value_pattern, value) is not None


class ContentType(StrEnum):
    """The content type registered with the template: plain text (GSM-7) or unicode (UCS-2)."""

    TEXT = "text"
    UNICODE = "unicode"


@dataclass(frozen=True, slots=True)
class DltTemplate:
    """One registered content template, with what a gateway needs to send under it.

    `body` is the exact registered text, variables written as `{#numeric#}` or
    `{#alphanumeric#}`. `gateway_ids` holds a gateway's own id for the template where it has
    one (MSG91's flow id, a WhatsApp template name), keyed by the gateway's name.
    """

    template_id: str
    entity_id: str
    header: str
    content_type: ContentType
    body: str
    gateway_ids: Mapping[str, str] = field(default_factory=dict)

    @property
    def tags(self) -> tuple[VariableTag, ...]:
        """The body's variables in order (ValueError on an unknown tag)."""
        return tuple(VariableTag(match.group(1)) for match in _TAG.finditer(self.body))

    def fill(self, values: Sequence[str]) -> str:
        """The text with `values` in the variables, in order; ValueError when one does not fit."""
        tags = self.tags
        if len(values) != len(tags):
            raise ValueError(f"the template has {len(tags)} variables, {len(values)} values given")
        for tag, value in zip(tags, values, strict=True):
            if not tag.accepts(value):
                raise ValueError(f"a value does not fit {tag.placeholder}")
        pieces = iter(values)
        return _TAG.sub(lambda _match: next(pieces), self.body)

    def matches(self, text: str) -> bool:
        """Whether `text` is this template with acceptable values in its variables, as a
        carrier's scrubber checks it."""
        return _matcher(self.body).fullmatch(text) is not None


@functools.lru_cache(maxsize=1024)
def _matcher(body: str) -> re.Pattern[str]:
    parts: list[str] = []
    position = 0
    for match in _TAG.finditer(body):
        parts.append(re.escape(body[position : match.start()]))
        parts.append(f"(?:{VariableTag(match.group(1)).value_pattern})")
        position = match.end()
    parts.append(re.escape(body[position:]))
    return re.compile("".join(parts))


def template_problems(template: DltTemplate, *, brand: str) -> list[str]:
    """What keeps a template from being registered and sent, in words; empty when none.

    At most two tagged variables (and one `{#url#}`), never two side by side, only the tags
    kyvs fills, the brand name in the fixed text, the content type the text needs,
    registered-looking ids and header, and at most two segments (three with a notice link of
    `MAX_VALUE_CHARS`) with a 6-digit OTP and a name of at least `MIN_NAME_CHARS`.
    """
    problems: list[str] = []
    body = template.body
    unknown = [m.group(0) for m in _ANY_PLACEHOLDER.finditer(body) if not _known(m.group(0))]
    if unknown:
        problems.append(
            f"unknown variables {', '.join(unknown)} (use {{#numeric#}}, {{#alphanumeric#}})"
        )
        return problems
    tags = template.tags
    problems += _variable_problems(tags)
    if _adjacent(body):
        problems.append("two variables side by side (put fixed text between them)")
    fixed = _TAG.sub(" ", body)
    if brand.casefold() not in fixed.casefold():
        problems.append(f"the brand name {brand!r} is not in the fixed text")
    if any(unicodedata.category(char) == "Cc" for char in body):
        problems.append("control characters in the body")
    if not HEADER_PATTERN.fullmatch(template.header):
        problems.append(f"header {template.header!r} is not 6 capital letters or 6 digits")
    if not ENTITY_ID_PATTERN.fullmatch(template.entity_id):
        problems.append("the entity id is not a DLT entity id (digits)")
    if not TEMPLATE_ID_PATTERN.fullmatch(template.template_id):
        problems.append("the template id is not a DLT template id (digits)")
    encoding = sms_size(_TAG.sub("", body)).encoding
    needed = ContentType.UNICODE if encoding is SmsEncoding.UCS2 else ContentType.TEXT
    if needed is not template.content_type:
        problems.append(f"content type {template.content_type} but the text needs {needed}")
    if VariableTag.ALPHANUMERIC in tags:
        if name_room(template) < MIN_NAME_CHARS:
            problems.append(
                f"leaves room for a name of {name_room(template)} characters within "
                f"{segment_budget(tags)} segments (at least {MIN_NAME_CHARS}): shorten the "
                "fixed text"
            )
    elif sms_size(
        _TAG.sub(lambda m: _longest(VariableTag(m.group(1))), body)
    ).segments > segment_budget(tags):
        problems.append(
            f"more than {segment_budget(tags)} segments with an OTP of {OTP_CHARS} digits"
        )
    return problems


def _variable_problems(tags: Sequence[VariableTag]) -> list[str]:
    """Too many variables: more than `MAX_VARIABLES` besides the one notice link."""
    links = sum(tag is VariableTag.URL for tag in tags)
    problems = []
    if len(tags) - links > MAX_VARIABLES:
        problems.append(f"{len(tags)} variables (DLT allows at most {MAX_VARIABLES})")
    if links > 1:
        problems.append(f"{links} links (one {VariableTag.URL.placeholder} at most)")
    return problems


def segment_budget(tags: Sequence[VariableTag]) -> int:
    """The segments a text with these variables may take: `MAX_SEGMENTS`, one more with the
    notice link."""
    return MAX_SEGMENTS + (LINK_SEGMENTS if VariableTag.URL in tags else 0)


def name_room(template: DltTemplate, numeric_chars: int = OTP_CHARS) -> int:
    """How many characters an `{#alphanumeric#}` value may have so that the text, with
    `numeric_chars` digits in each `{#numeric#}` and the longest link in a `{#url#}`, stays
    within its `segment_budget` (at most `MAX_VALUE_CHARS`; 0 when even an empty name does not
    fit)."""
    return _name_room(template.body, numeric_chars)


@functools.lru_cache(maxsize=1024)
def _name_room(body: str, numeric_chars: int) -> int:
    tags = tuple(VariableTag(match.group(1)) for match in _TAG.finditer(body))
    names = sum(tag is VariableTag.ALPHANUMERIC for tag in tags)
    fixed = _TAG.sub(lambda m: _filler(m.group(1), numeric_chars), body)
    size = sms_size(fixed)
    part = UCS2_PART if size.encoding is SmsEncoding.UCS2 else GSM7_PART
    budget = segment_budget(tags) * part
    if names == 0:
        return MAX_VALUE_CHARS
    return max(min((budget - size.units) // names, MAX_VALUE_CHARS), 0)


def _filler(tag: str, numeric_chars: int) -> str:
    """What stands in for a variable when a name's room is measured."""
    if tag == VariableTag.NUMERIC:
        return "9" * numeric_chars
    return _longest(VariableTag.URL) if tag == VariableTag.URL else ""


def _known(placeholder: str) -> bool:
    match = _TAG.fullmatch(placeholder)
    return match is not None and match.group(1) in _TAG_NAMES


def _adjacent(body: str) -> bool:
    spans = [match.span() for match in _TAG.finditer(body)]
    return any(not body[end:start].strip() for (_, end), (start, _) in itertools.pairwise(spans))


def _longest(tag: VariableTag) -> str:
    if tag is VariableTag.NUMERIC:
        return "9" * OTP_CHARS
    return "W" * MAX_VALUE_CHARS  # a name, or a link


_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]+")


def alphanumeric_value(name: str, *, latin: str | None = None, limit: int = MAX_VALUE_CHARS) -> str:
    """`name` as `{#alphanumeric#}` takes it: Latin letters, digits and single spaces, at most
    `limit` characters, cut at a word. `latin` is the name already in Latin letters (for a name
    in an Indic script); accents are dropped. Empty when nothing of it is left."""
    source = unicodedata.normalize("NFKD", latin if latin is not None else name)
    words = _NOT_ALPHANUMERIC.sub(" ", source.encode("ascii", "ignore").decode()).split()
    kept = ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) > limit:
            return kept or word[:limit]
        kept = candidate
    return kept
