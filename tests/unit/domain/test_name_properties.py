"""Names of any Unicode text: cleaning and matching keep their promises whatever is typed."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from kyvs.adapters.transliteration import indic_to_latin
from kyvs.domain.errors import InvalidInput
from kyvs.domain.names import HONORIFICS, NameKey, NameToken, match_one, name_key, names_match
from kyvs.domain.people import MAX_NAME_LENGTH, clean_full_name
from tests.budget import examples


def key(name: str) -> NameKey:
    return name_key(name, indic_to_latin)


def matches(typed: str, registered: str) -> bool:
    return names_match(key(typed), key(registered))


def cleaned_or_none(text: str) -> str | None:
    try:
        return clean_full_name(text)
    except InvalidInput:
        return None


def has_whole_word(k: NameKey) -> bool:
    return any(not token.is_initial for token in k.tokens)


# --- strategies ----------------------------------------------------------------------------------

# Any text at all: every plane, controls, combining marks, right-to-left, emoji (no surrogates:
# a str from an HTTP body or a UTF-8 file cannot hold one).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
huge_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=2_000, max_size=5_000)

# Words as people write them, in the scripts the registry holds, with the spellings, initials
# and titles the matcher folds; plus any text, so the rules meet the unexpected.
WORDS = [
    "Asha", "Ramesh", "Rohan", "Rohit", "Patel", "Shah", "Lakshmi", "Laxmi", "Mohammed", "Md",
    "Choudhary", "Chaudhari", "Ankit", "Ankita", "Rameshbhai", "Sinh", "Singh", "Bikash",
    "Vikash", "Wasim", "Vasim", "Zakir", "Jakir", "Phalguni", "Falguni", "Das", "Jr",
    "R", "K", "B", "V", "W", "Z", "J", "F", "P", "R.", "K.", "B.", "V.",
    "सुनीता", "शर्मा", "राम", "ભાવેશ", "પટેલ", "ਸਿੰਘ", "সৌরভ", "ராமன்", "José", "Ñuñez", "D'Souza",
]  # fmt: skip
TITLES = sorted(title for title in HONORIFICS if title.isascii())
word = st.sampled_from(WORDS) | st.text(
    st.characters(categories=["L", "M", "Nd", "P", "So", "Zs"]), min_size=1, max_size=6
)
words = st.lists(word, min_size=1, max_size=5)


def written(parts: list[str]) -> str:
    return " ".join(parts)


names = words.map(written)
one_token_word = word.filter(lambda w: len(key(w).tokens) == 1)


# --- cleaning a full name ------------------------------------------------------------------------


@examples(250)
@given(text=any_text)
@example(text="Asha\x1fPatel")  # an information separator is whitespace to str.split
@example(text="\u0301")  # a combining mark alone
@example(text="A\u0301" * 70)  # 140 characters that NFC makes 70
def test_cleaning_a_full_name_gives_a_name_or_invalid_input_and_nothing_else(text: str) -> None:
    cleaned_or_none(text)


@examples(50)
@given(text=huge_text)
def test_a_huge_full_name_is_refused_as_too_long(text: str) -> None:
    with pytest.raises(InvalidInput):
        clean_full_name(text)


@examples(250)
@given(text=any_text | names)
def test_a_cleaned_name_is_clean(text: str) -> None:
    cleaned = cleaned_or_none(text)
    assume(cleaned is not None)
    assert cleaned is not None
    assert clean_full_name(cleaned) == cleaned  # idempotent
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert 1 <= len(cleaned) <= MAX_NAME_LENGTH
    assert all(unicodedata.category(ch)[0] != "C" for ch in cleaned)


@examples(200)
@given(text=any_text | names)
def test_cleaning_never_changes_who_a_name_matches(text: str) -> None:
    cleaned = cleaned_or_none(text)
    assume(cleaned is not None)
    assert key(text) == key(cleaned or "")


# --- the matching key ----------------------------------------------------------------------------


@examples(250)
@given(text=any_text)
@example(text="\u0915\u094d")  # a consonant with a virama and nothing after it
@example(text="\u0d7a")  # a Malayalam chillu letter
@example(text="ǰ")  # casefold and NFKC disagree on it
def test_the_key_of_any_text_is_built_without_raising(text: str) -> None:
    k = key(text)
    assert all(token.latin and token.folded for token in k.tokens)


@examples(20)
@given(text=huge_text)
def test_the_key_of_a_huge_text_is_built_without_raising(text: str) -> None:
    key(text)


@examples(200)
@given(typed=any_text | names, candidates=st.lists(any_text | names, max_size=6))
def test_match_one_picks_a_candidate_or_nobody_and_never_raises(
    typed: str, candidates: list[str]
) -> None:
    household = list(enumerate(candidates))
    assert match_one(typed, household, indic_to_latin) in {None, *range(len(candidates))}


# --- matching ----------------------------------------------------------------------------------


@examples(250)
@given(name=any_text | names)
def test_every_registrable_name_with_a_whole_word_matches_itself(name: str) -> None:
    cleaned = cleaned_or_none(name)
    assume(cleaned is not None and has_whole_word(key(cleaned)))
    assert matches(cleaned or "", cleaned or "")


@examples(250)
@given(first=names, second=names)
@example(first="Vikash B.", second="Bikash Vikash")  # two spellings that fold alike
@example(first="R. K. Patel", second="Ramesh Patel")
def test_matching_is_symmetric(first: str, second: str) -> None:
    assert matches(first, second) == matches(second, first)


@examples(250)
@given(
    first=st.lists(one_token_word, min_size=1, max_size=5),
    second=st.lists(one_token_word, min_size=1, max_size=5),
    data=st.data(),
)
@example(first=["Vikash", "B."], second=["Bikash", "Vikash"], data=None)
@example(first=["Vikash", "B.", "Das"], second=["Bikash", "V.", "Das"], data=None)
def test_the_order_of_the_words_does_not_matter_when_both_names_have_as_many(
    first: list[str], second: list[str], data: st.DataObject | None
) -> None:
    second = (second * len(first))[: len(first)]  # as many words as the first name
    expected = matches(written(first), written(second))
    shuffled = data.draw(st.permutations(second)) if data else second[::-1]
    assert matches(written(first), written(shuffled)) == expected
    assert matches(written(shuffled), written(first)) == expected


@examples(200)
@given(longer=st.lists(word, min_size=3, max_size=5), data=st.data())
def test_the_order_of_the_shorter_names_words_does_not_matter(
    longer: list[str], data: st.DataObject
) -> None:
    dropped = data.draw(st.integers(0, len(longer) - 1))
    shorter = longer[:dropped] + longer[dropped + 1 :]
    assume(len(key(written(shorter)).tokens) + 1 == len(key(written(longer)).tokens))
    expected = matches(written(shorter), written(longer))
    shuffled = data.draw(st.permutations(shorter))
    assert matches(written(shuffled), written(longer)) == expected
    assert matches(written(longer), written(shuffled)) == expected


def only_case_changed(text: str, changed: str) -> bool:
    """Unicode case mappings are not all reversible: dotless i (U+0131) upper-cases to I."""
    return changed.casefold() == text.casefold()


@examples(250)
@given(typed=names, registered=names)
def test_case_and_spacing_do_not_matter(typed: str, registered: str) -> None:
    shouted, lower, titled = typed.upper(), typed.lower(), registered.title()
    assume(only_case_changed(typed, shouted) and only_case_changed(typed, lower))
    assume(only_case_changed(registered, titled))
    expected = matches(typed, registered)
    assert matches(f"  {shouted}\t", registered) == expected
    assert matches(lower, f"{titled}  ") == expected


@examples(250)
@given(typed=words, registered=names, title=st.sampled_from(TITLES), dot=st.sampled_from(["", "."]))
@example(typed=["DŔ"], registered="DR", title="adv", dot="")
def test_a_title_before_a_name_does_not_matter(
    typed: list[str], registered: str, title: str, dot: str
) -> None:
    assume(any(not set(key(w).tokens) <= set(key(title).tokens) for w in typed))
    # A typed word that is itself a title once folded ("DŔ" is "dr") is not a name here.
    assume(not any(part.casefold().strip(".") in HONORIFICS for part in typed))
    assume(not any(t.latin in HONORIFICS for part in typed for t in key(part).tokens))
    expected = matches(written(typed), registered)
    assert matches(f"{title.title()}{dot} {written(typed)}", registered) == expected
    assert matches(registered, f"{title.upper()}{dot} {written(typed)}") == expected


@examples(200)
@given(name=names, others=st.lists(names, max_size=5), data=st.data())
def test_who_match_one_picks_does_not_depend_on_the_order_of_the_household(
    name: str, others: list[str], data: st.DataObject
) -> None:
    household = list(enumerate([name, *others]))
    shuffled = data.draw(st.permutations(household))
    assert match_one(name, shuffled, indic_to_latin) == match_one(name, household, indic_to_latin)


# --- the rule, checked against a literal reading of it -----------------------------------------


def pair_up_by_the_letter(a: tuple[NameToken, ...], b: tuple[NameToken, ...]) -> bool:
    """Some order of `b` pairs word by word with `a`, with at least one pair of whole words."""

    def pairs(x: NameToken, y: NameToken) -> bool:
        if x.is_initial or y.is_initial:
            return x.head == y.head
        return x.folded == y.folded

    return len(a) == len(b) and any(
        all(pairs(x, y) for x, y in zip(a, order, strict=True))
        and any(not x.is_initial and not y.is_initial for x, y in zip(a, order, strict=True))
        for order in itertools.permutations(b)
    )


def match_by_the_letter(typed: NameKey, registered: NameKey) -> bool:
    """The rule of `kyvs.domain.names`, read literally: pairings, or one middle word dropped."""
    shorter, longer = sorted((typed.tokens, registered.tokens), key=len)
    middles = range(1, len(longer) - 1) if len(longer) >= 3 else range(0)
    return pair_up_by_the_letter(shorter, longer) or any(
        pair_up_by_the_letter(shorter, longer[:i] + longer[i + 1 :]) for i in middles
    )


small_names = st.lists(one_token_word, min_size=1, max_size=4).map(written)


@examples(250)
@given(typed=small_names, registered=small_names)
@example(typed="Vikash B.", registered="Bikash Vikash")
@example(typed="Vikash B. Das", registered="Bikash V. Das")
def test_two_names_match_exactly_when_some_order_of_their_words_pairs_up(
    typed: str, registered: str
) -> None:
    assert matches(typed, registered) == match_by_the_letter(key(typed), key(registered))
