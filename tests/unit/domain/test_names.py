"""Name matching: which one person on a mobile a typed full name means."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kyvs.adapters.transliteration import indic_to_latin
from kyvs.domain.names import HONORIFICS, NameKey, match_one, name_key, names_match


def key(name: str) -> NameKey:
    return name_key(name, indic_to_latin)


def matches(typed: str, registered: str) -> bool:
    return names_match(key(typed), key(registered))


FULL_WIDTH_ASHA_PATEL = "\uff21\uff33\uff28\uff21\u3000\uff30\uff21\uff34\uff25\uff2c"

# --- the rule, as a table -----------------------------------------------------------------------

MATCHES = [
    # case, spacing, punctuation
    pytest.param("Asha Patel", "Asha Patel", id="same"),
    pytest.param("ASHA PATEL", "asha patel", id="case"),
    pytest.param("  Asha \t  Patel ", "Asha Patel", id="spacing"),
    pytest.param("Patel, Asha.", "Asha Patel", id="comma-and-full-stop"),
    pytest.param("Mary-Ann Fernandes", "Mary Ann Fernandes", id="hyphen"),
    pytest.param("Clara D'Souza", "Clara DSouza", id="apostrophe"),
    pytest.param("Sunīta Śarmā", "Sunita Sharma", id="diacritics"),
    pytest.param(FULL_WIDTH_ASHA_PATEL, "Asha Patel", id="full-width-nfkc"),
    # honorifics and titles, English and Indic
    pytest.param("Mr. Rohan Patel", "Rohan Patel", id="mr"),
    pytest.param("Smt Lakshmi Iyer", "Lakshmi Iyer", id="smt"),
    pytest.param("Rohan Patel", "Dr. Rohan Patel", id="dr-registered"),
    pytest.param("Late Shri Ramesh Patel", "Ramesh Patel", id="late-shri"),
    pytest.param("Kum. Neha Joshi", "Neha Joshi", id="kum"),
    pytest.param("Capt. Vikram Batra", "Vikram Batra", id="capt"),
    pytest.param("श्रीमती सुनीता शर्मा", "Sunita Sharma", id="shrimati-devanagari"),
    pytest.param("डॉ. राजेश वर्मा", "Rajesh Verma", id="dr-devanagari"),
    pytest.param("કુમારી હેતલ શાહ", "Hetal Shah", id="kumari-gujarati"),
    pytest.param("શ્રીમતી હંસા પટેલ", "Hansa Patel", id="shrimati-gujarati"),
    pytest.param("Baby Kumari", "Baby Kumari", id="all-titles-kept"),
    # token order
    pytest.param("Patel Asha", "Asha Patel", id="surname-first"),
    pytest.param("Patel Ramesh Kantilal", "Ramesh Kantilal Patel", id="three-words-reordered"),
    # initials
    pytest.param("R. K. Patel", "Ramesh Kumar Patel", id="initials-typed"),
    pytest.param("Ramesh Kumar Patel", "R. K. Patel", id="initials-registered"),
    pytest.param("R K Patel", "Ramesh Kumar Patel", id="initials-without-dots"),
    pytest.param("Patel R.", "Rohan Patel", id="initial-reordered"),
    pytest.param("K. Murugan", "K Murugan", id="initial-both-sides"),
    pytest.param("R. Patel", "Rohan Kumar Patel", id="initial-and-missing-middle"),
    pytest.param("R. S. Patel", "Rohan Patel", id="extra-middle-initial"),
    # Vikash and Bikash fold alike: the initial must still find the word with its letter
    pytest.param("Vikash B.", "Bikash Vikash", id="initial-of-one-of-two-alike-words"),
    pytest.param("Vikash B. Das", "Bikash V. Das", id="initials-cross-alike-words"),
    # spelling variants
    pytest.param("Laxmi Iyer", "Lakshmi Iyer", id="laxmi-lakshmi"),
    pytest.param("Laksmi Iyer", "Lakshmi Iyer", id="laksmi-lakshmi"),
    pytest.param("Ravi Choudhary", "Ravi Chaudhari", id="choudhary-chaudhari"),
    pytest.param("Ravi Chaudhary", "Ravi Chowdhury", id="chaudhary-chowdhury"),
    pytest.param("Mohammed Salim", "Muhammad Salim", id="mohammed-muhammad"),
    pytest.param("Mohd. Salim", "Mohammad Salim", id="mohd"),
    pytest.param("Pooja Joshi", "Puja Joshi", id="oo-u"),
    pytest.param("Preeti Nair", "Priti Nair", id="ee-i"),
    pytest.param("Aakash Rao", "Akash Rao", id="aa-a"),
    pytest.param("Ashwin Rao", "Ashvin Rao", id="w-v"),
    pytest.param("Siddharth Jain", "Sidharth Jain", id="double-consonant-and-dh"),
    pytest.param("Phoolan Devi", "Fulan Devi", id="ph-f"),
    pytest.param("Zakir Hussain", "Jakir Husain", id="z-j"),
    pytest.param("Dakshesh Shah", "Daxesh Shah", id="ksh-x"),
    pytest.param("Srinivas Rao", "Shrinivas Rao", id="s-sh"),
    pytest.param("Manoj Pandey", "Manoj Pande", id="ey-e"),
    pytest.param("Kamla Devi", "Kamala Devi", id="unwritten-a"),
    pytest.param("Arvind Kumar", "Aravind Kumar", id="arvind-aravind"),
    pytest.param("Gourav Sen", "Gaurav Sen", id="ou-au"),
    pytest.param("Bikash Das", "Vikash Das", id="b-v"),
    pytest.param("Rameshbhai Patel", "Ramesh Patel", id="bhai-suffix"),
    pytest.param("Asha Patel", "Ashaben Patel", id="ben-suffix"),
    pytest.param("Ramesh Bhai Patel", "Ramesh Patel", id="bhai-word"),
    pytest.param("Jaysinh Jadeja", "Jaysingh Jadeja", id="sinh-singh"),
    # Devanagari and Latin, both ways
    pytest.param("सुनीता शर्मा", "Sunita Sharma", id="devanagari-typed"),
    pytest.param("Rahul Verma", "राहुल वर्मा", id="devanagari-registered"),
    pytest.param("Ram Prasad", "राम प्रसाद", id="ram-not-rama"),
    pytest.param("कृष्ण कुमार", "Krishna Kumar", id="krishna-keeps-final-a"),
    pytest.param("Laxmi Chaudhary", "श्रीमती लक्ष्मी चौधरी", id="laxmi-devanagari"),
    pytest.param("Mohammed Salim", "मोहम्मद सलीम", id="mohammed-devanagari"),
    pytest.param("Rajendra Singh", "राजेंद्र सिंह", id="singh-devanagari"),
    pytest.param("Siddharth Mishra", "सिद्धार्थ मिश्र", id="siddharth-mishra-devanagari"),
    # Gujarati and Latin, both ways
    pytest.param("ભાવેશ પટેલ", "Bhavesh Patel", id="gujarati-typed"),
    pytest.param("Bhavesh Patel", "ભાવેશ પટેલ", id="gujarati-registered"),
    pytest.param("Hardik Shah", "હાર્દિક શાહ", id="hardik-shah"),
    pytest.param("Nilesh Desai", "નિલેશભાઈ દેસાઈ", id="gujarati-bhai"),
    pytest.param("Sonal Shah", "સોનલબેન શાહ", id="gujarati-ben"),
    pytest.param("Govind Patel", "ગોવિંદભાઈ પટેલ", id="gujarati-bhai-after-nasal"),
    pytest.param("Chandrakant Patel", "ચંદ્રકાંત પટેલ", id="chandrakant"),
    # Marathi
    pytest.param("Amruta Deshpande", "अमृता देशपांडे", id="marathi-amruta"),
    pytest.param("Dnyaneshwar Patil", "ज्ञानेश्वर पाटील", id="marathi-dnyaneshwar"),
    pytest.param("Gyaneshwar Patil", "Dnyaneshwar Patil", id="gyan-dnyan"),
    pytest.param("Sachin Kulkarni", "सचिन कुलकर्णी", id="marathi-kulkarni"),
    pytest.param("Santosh Gaikwad", "संतोष गायकवाड", id="marathi-gaikwad"),
    pytest.param("सौ. सुनीता जाधव", "Sunita Jadhav", id="marathi-sau"),
    pytest.param("Ku. Pooja Shinde", "पूजा शिंदे", id="marathi-ku"),
    pytest.param("Trupti Pawar", "तृप्ती पवार", id="marathi-trupti"),
    # other scripts, and one Indic script against another
    pytest.param("राजेश पटेल", "રાજેશ પટેલ", id="devanagari-gujarati"),
    pytest.param("Surjit Singh", "ਸੁਰਜੀਤ ਸਿੰਘ", id="gurmukhi"),
    pytest.param("Sourav Ganguly", "সৌরভ গাঙ্গুলী", id="bengali"),
    pytest.param("सुनीता Sharma", "Sunita Sharma", id="mixed-scripts"),
    # one missing middle name, either side
    pytest.param("Asha Patel", "Asha Ramesh Patel", id="missing-middle"),
    pytest.param("Asha Ramesh Patel", "Asha Patel", id="extra-middle-typed"),
    pytest.param("Murugan", "Murugan", id="single-name"),
]

NON_MATCHES = [
    pytest.param("Rohan Patel", "Rohit Patel", id="siblings"),
    pytest.param("Asha Patel", "Asha Shah", id="other-surname"),
    pytest.param("Rohan Patel", "Rohan Shah", id="same-first-name"),
    pytest.param("Ankit Sharma", "Ankita Sharma", id="ankit-ankita"),
    pytest.param("Amrit Kaur", "Amrita Kaur", id="amrit-amrita"),
    pytest.param("Chandrakant Patel", "Chandrakanta Patel", id="kant-kanta"),
    pytest.param("Sunil Sharma", "सुनीता शर्मा", id="devanagari-other-person"),
    pytest.param("ભાવના પટેલ", "Bhavesh Patel", id="gujarati-other-person"),
    pytest.param("Ramesh Patel", "Ramesh Patil", id="patel-patil"),
    pytest.param("Manan Shah", "Mann Shah", id="manan-mann"),
    pytest.param("Asha", "Asha Patel", id="first-name-only"),
    pytest.param("R. K.", "Ramesh Kumar", id="initials-only"),
    pytest.param("R. K.", "R. K.", id="initials-only-both"),
    pytest.param("S. Patel", "Rohan Patel", id="wrong-initial"),
    pytest.param("R. K. Patel", "Rohan Sharma Patel", id="wrong-middle-initial"),
    pytest.param("RK Patel", "Ramesh Kumar Patel", id="run-together-initials"),
    pytest.param("Ramesh Patel", "Asha Ramesh Patel", id="missing-first"),
    pytest.param("Asha Ramesh", "Asha Ramesh Patel", id="missing-last"),
    pytest.param("Asha Patel", "Asha Ramesh Kumar Patel", id="two-missing"),
    pytest.param("Asha Ramesh Patel", "Asha Suresh Patel", id="other-middle"),
    pytest.param("Ramesh Patel", "Ramesh Patel Jr", id="junior"),
    pytest.param("Sunita Kumar", "Sunita Kumari", id="kumari-is-a-title"),
    pytest.param("", "Asha Patel", id="empty-typed"),
    pytest.param("", "", id="both-empty"),
    pytest.param("12345", "12345", id="digits"),
    pytest.param("...", "Asha Patel", id="punctuation-only"),
    pytest.param("🙂 🙂", "🙂 🙂", id="emoji"),
    pytest.param("Mr.", "Mr. Asha Patel", id="title-only"),
]


@pytest.mark.parametrize(("typed", "registered"), MATCHES)
def test_names_that_mean_the_same_person_match(typed: str, registered: str) -> None:
    assert matches(typed, registered)


@pytest.mark.parametrize(("typed", "registered"), NON_MATCHES)
def test_names_of_other_people_do_not_match(typed: str, registered: str) -> None:
    assert not matches(typed, registered)


def test_the_key_keeps_the_written_order() -> None:
    assert [token.latin for token in key("Dr. Patel, Asha R.").tokens] == ["patel", "asha", "r"]


def test_latin_honorifics_are_stored_case_folded() -> None:
    assert all(title == title.casefold() for title in HONORIFICS)


# --- picking one person in a household ------------------------------------------------------------

HOUSEHOLD = [
    (1, "Ramesh Patel"),
    (2, "Rekha Patel"),
    (3, "Rohan Patel"),
    (4, "Rohit Patel"),
    (5, "Ramesh Patel Jr"),
    (6, "अंकिता पटेल"),
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("Rohan Patel", 3, id="rohan-not-rohit"),
        pytest.param("Rohit Patel", 4, id="rohit-not-rohan"),
        pytest.param("Ramesh Patel", 1, id="father"),
        pytest.param("Ramesh Patel Jr.", 5, id="son"),
        pytest.param("Patel Rekha", 2, id="reordered"),
        pytest.param("Ankita Patel", 6, id="devanagari-member"),
        pytest.param("R. Patel", None, id="initial-fits-several"),
        pytest.param("Ankit Patel", None, id="nobody-ankit"),
        pytest.param("Kiran Patel", None, id="nobody"),
        pytest.param("", None, id="empty"),
    ],
)
def test_match_one_picks_the_only_person_the_name_fits(typed: str, expected: int | None) -> None:
    assert match_one(typed, HOUSEHOLD, indic_to_latin) == expected


def test_initial_shared_by_two_members_matches_neither() -> None:
    household = [("a", "Rohan Patel"), ("b", "Rekha Patel")]
    assert match_one("R. Patel", household, indic_to_latin) is None


def test_a_name_with_and_without_a_middle_name_is_ambiguous() -> None:
    household = [("a", "Asha Patel"), ("b", "Asha Ramesh Patel")]
    assert match_one("Asha Patel", household, indic_to_latin) is None
    assert match_one("Asha Ramesh Patel", household, indic_to_latin) is None


def test_no_candidates_no_match() -> None:
    assert match_one("Asha Patel", [], indic_to_latin) is None


# --- properties -----------------------------------------------------------------------------------

examples = settings(max_examples=300, deadline=None)

NAME_WORDS = [
    "Asha", "Ramesh", "Rohan", "Rohit", "Patel", "Shah", "Lakshmi", "Laxmi", "Mohammed",
    "Md", "R.", "K", "Smt.", "Dr", "सुनीता", "शर्मा", "ભાવેશ", "પટેલ", "Kumari", "Jr",
    "Choudhary", "Chaudhari", "Ankit", "Ankita", "Rameshbhai", "Sinh", "Singh",
]  # fmt: skip
names = st.lists(st.sampled_from(NAME_WORDS) | st.text(min_size=1, max_size=8), max_size=5).map(
    " ".join
)


def whole_words(k: NameKey) -> bool:
    return any(not token.is_initial for token in k.tokens)


@examples
@given(text=st.text())
def test_name_key_never_raises(text: str) -> None:
    name_key(text, indic_to_latin)


@examples
@given(name=names)
def test_every_name_with_a_whole_word_matches_itself(name: str) -> None:
    k = key(name)
    assume(whole_words(k))
    assert names_match(k, k)


@examples
@given(first=names, second=names)
def test_matching_is_symmetric_without_initials(first: str, second: str) -> None:
    a, b = key(first), key(second)
    assume(not any(token.is_initial for token in a.tokens + b.tokens))
    assert names_match(a, b) == names_match(b, a)


@examples
@given(typed=names, shared=names, others=st.lists(names, max_size=4))
def test_two_candidates_with_one_name_are_never_picked(
    typed: str, shared: str, others: list[str]
) -> None:
    candidates = [(0, shared), (1, shared)] + [(i + 2, n) for i, n in enumerate(others)]
    assert match_one(typed, candidates, indic_to_latin) not in {0, 1}
