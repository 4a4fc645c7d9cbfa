"""Indic scripts to the Latin letters people type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyvs.adapters.transliteration import indic_to_latin


@pytest.mark.parametrize(
    ("indic", "latin"),
    [
        # Devanagari, for Hindi and Marathi
        pytest.param("सुनीता शर्मा", "sunita sharma", id="sunita-sharma"),
        pytest.param("राम", "ram", id="final-a-dropped"),
        pytest.param("अंकिता", "ankita", id="written-aa-kept"),
        pytest.param("कृष्ण", "krishna", id="final-a-kept-after-n-cluster"),
        pytest.param("मिश्र", "mishra", id="final-a-kept-after-r-cluster"),
        pytest.param("सिद्धार्थ", "siddharth", id="final-a-dropped-after-th-cluster"),
        pytest.param("कमला", "kamla", id="medial-a-dropped"),
        pytest.param("रमेश", "ramesh", id="first-a-kept"),
        pytest.param("संजय", "sanjay", id="anusvara-n"),
        pytest.param("संपत", "sampat", id="anusvara-m-before-p"),
        pytest.param("लक्ष्मी", "lakshmi", id="ksh"),
        pytest.param("ज्ञानेश्वर", "gyaneshvar", id="jn-gy"),
        pytest.param("चौधरी", "chaudhri", id="c-ch"),
        pytest.param("छाया", "chhaya", id="ch-chh"),
        pytest.param("ऋषि", "rishi", id="vocalic-r"),
        pytest.param("फ़ैज़", "faiz", id="nukta"),
        pytest.param("हँसा", "hansa", id="candrabindu"),
        pytest.param("डॉली", "doli", id="candra-o"),
        pytest.param("सिंह", "sinh", id="sinh"),
        pytest.param("देशपांडे", "deshpande", id="marathi-deshpande"),
        # Gujarati
        pytest.param("ભાવેશ", "bhavesh", id="bhavesh"),
        pytest.param("પટેલ", "patel", id="patel"),
        pytest.param("શાહ", "shah", id="shah"),
        pytest.param("સોનલબેન", "sonalben", id="a-dropped-before-ben"),
        pytest.param("ડૉ", "do", id="gujarati-candra-o"),
        # the other scripts
        pytest.param("ਸੁਰਜੀਤ ਸਿੰਘ", "surjit singh", id="gurmukhi"),
        pytest.param("ਜ਼ੋਰਾਵਰ", "zoravar", id="gurmukhi-nukta-za"),
        pytest.param("ਖ਼ਾਲਿਦ", "khalid", id="gurmukhi-nukta-kha"),
        pytest.param("ਫ਼ਰਹਾਨ", "farhan", id="gurmukhi-nukta-fa"),
        pytest.param("ਗ਼ੁਲਾਮ", "gulam", id="gurmukhi-nukta-ga"),
        pytest.param("ਗਿੱਲ", "gil", id="gurmukhi-addak"),
        pytest.param("ਬਲਵਿੰਦਰ", "balvindar", id="gurmukhi-tippi"),
        pytest.param("முருகன்", "murukan", id="tamil-unvoiced-k"),
        pytest.param("கணேசன்", "kanechan", id="tamil-unvoiced-c"),
        pytest.param("பாலு", "palu", id="tamil-unvoiced-p"),
        pytest.param("সৌরভ গাঙ্গুলী", "saurabh ganguli", id="bengali"),
        pytest.param("ସୁଭାଷ", "subhash", id="oriya"),
        pytest.param("ಕೃಷ್ಣ ರಾಮ", "krishna rama", id="kannada-keeps-a"),
        pytest.param("వెంకటేశ్", "venkatesh", id="telugu"),
        pytest.param("രാമൻ", "raman", id="malayalam-chillu"),
    ],
)
def test_indic_scripts_come_out_as_typed_latin(indic: str, latin: str) -> None:
    assert indic_to_latin(indic) == latin


@pytest.mark.parametrize(
    "text", ["Asha Patel", "Sunīta", "", "D'Souza", "12 Main St.", "李小龙"], ids=repr
)
def test_text_without_indic_letters_passes_through(text: str) -> None:
    assert indic_to_latin(text) == text


def test_only_indic_runs_change_in_mixed_text() -> None:
    assert indic_to_latin("Dr. सुनीता Sharma, ભાવેશ") == "Dr. sunita Sharma, bhavesh"


def test_dandas_and_signs_separate_words() -> None:
    assert indic_to_latin("राम।श्याम") == "ram shyam"
    assert indic_to_latin("डॉ॰राजेश") == "do rajesh"


def test_tamil_gives_latin_letters_without_promising_the_spelling() -> None:
    assert indic_to_latin("முருகன்").isascii()


indic_text = st.text(
    alphabet=st.characters(min_codepoint=0x0900, max_codepoint=0x0D7F) | st.sampled_from(" .-"),
    max_size=20,
)


@settings(max_examples=500, deadline=None)
@given(text=indic_text)
def test_any_indic_text_becomes_ascii(text: str) -> None:
    latin = indic_to_latin(text)
    assert latin.isascii()
    assert all(ch.isalpha() or ch.isspace() or ch in ".-" for ch in latin)
