"""DLT content templates: the rules a template must meet, and a text matching its template."""

from __future__ import annotations

import pytest

from kyvs.domain.dlt import (
    MAX_VALUE_CHARS,
    ContentType,
    DltTemplate,
    VariableTag,
    alphanumeric_value,
    name_room,
    segment_budget,
    template_problems,
)
from kyvs.domain.sms_encoding import sms_size

ENTITY = "1101161234567890123"


def template(body: str, *, content_type: ContentType = ContentType.TEXT, **fields) -> DltTemplate:
    values = {"template_id": "1107161234567890123", "entity_id": ENTITY, "header": "KYVSOT"}
    values.update(fields)
    return DltTemplate(content_type=content_type, body=body, **values)


LOGIN = template("{#numeric#} is your kyvs login OTP. Valid 3 min. -kyvs")
CHECK = template("{#alphanumeric#} asks for your status. OTP {#numeric#}. -kyvs")


def test_a_template_with_two_separated_variables_and_the_brand_passes():
    assert template_problems(CHECK, brand="kyvs") == []
    assert template_problems(LOGIN, brand="kyvs") == []


def test_three_variables_are_refused():
    three = template("{#alphanumeric#} asks. OTP {#numeric#}. Ref {#numeric#}. -kyvs")
    assert any("3 variables" in p for p in template_problems(three, brand="kyvs"))


def test_two_variables_side_by_side_are_refused():
    adjacent = template("Dear {#alphanumeric#} {#numeric#} is your OTP. -kyvs")
    assert any("side by side" in p for p in template_problems(adjacent, brand="kyvs"))


@pytest.mark.parametrize("placeholder", ["{#var#}", "{#urlott#}", "{otp}", "{# numeric #}"])
def test_an_untagged_or_unknown_variable_is_refused(placeholder):
    untagged = template(f"{placeholder} is your kyvs OTP.")
    assert any("unknown variables" in p for p in template_problems(untagged, brand="kyvs"))


def test_the_brand_must_be_in_the_fixed_text():
    assert any("brand" in p for p in template_problems(LOGIN, brand="Acme"))


def test_an_indic_text_must_be_registered_as_unicode():
    hindi = template("{#numeric#} आपका kyvs लॉगिन OTP है। -kyvs")
    assert any("content type text" in p for p in template_problems(hindi, brand="kyvs"))
    unicode = template(hindi.body, content_type=ContentType.UNICODE)
    assert template_problems(unicode, brand="kyvs") == []


def test_ids_and_header_must_look_registered():
    found = template_problems(
        template(LOGIN.body, header="kyvs", entity_id="E1", template_id=""), brand="kyvs"
    )
    assert len(found) == 3


def test_a_text_too_long_for_two_segments_with_a_name_is_refused():
    long = template("{#alphanumeric#} " + "x" * 290 + " OTP {#numeric#}. -kyvs")
    assert any("room for a name" in p for p in template_problems(long, brand="kyvs"))


def test_filling_puts_the_values_in_order_and_the_text_matches():
    text = CHECK.fill(["Acme Travels", "042719"])
    assert text == "Acme Travels asks for your status. OTP 042719. -kyvs"
    assert CHECK.matches(text)


@pytest.mark.parametrize(
    "text",
    [
        "Acme Travels asks for your status. OTP 042719. -kyvs ",  # a character more
        "Acme Travels asks for your status! OTP 042719. -kyvs",  # fixed text changed
        "Acme Travels asks for your status. OTP 04271x. -kyvs",  # a letter in {#numeric#}
        "Acme & Co asks for your status. OTP 042719. -kyvs",  # a sign in {#alphanumeric#}
        "Visit evil.example asks for your status. OTP 042719. -kyvs",
    ],
)
def test_a_text_that_differs_from_its_template_does_not_match(text):
    assert not CHECK.matches(text)


def test_a_value_a_tag_does_not_take_cannot_be_filled_in():
    with pytest.raises(ValueError, match="does not fit"):
        CHECK.fill(["Acme & Co", "042719"])
    with pytest.raises(ValueError, match="2 variables"):
        CHECK.fill(["Acme"])


def test_the_tags_take_digits_and_letters_with_digits():
    assert VariableTag.NUMERIC.accepts("042719")
    assert not VariableTag.NUMERIC.accepts("04 27")
    assert VariableTag.ALPHANUMERIC.accepts("Acme Travels 2")
    assert not VariableTag.ALPHANUMERIC.accepts(" Acme")
    assert not VariableTag.ALPHANUMERIC.accepts("x" * 31)


def test_a_name_is_reduced_to_latin_letters_digits_and_spaces_cut_at_a_word():
    assert alphanumeric_value("Café Zoë & Sons, Pune") == "Cafe Zoe Sons Pune"
    assert alphanumeric_value("One Two Three", limit=9) == "One Two"
    assert alphanumeric_value("Supercalifragilistic", limit=5) == "Super"
    assert alphanumeric_value("सुनीता", latin="Sunita") == "Sunita"
    assert alphanumeric_value("सुनीता") == ""


def test_the_room_for_a_name_is_what_two_segments_leave():
    assert name_room(CHECK) == 30  # plenty of room: the DLT limit
    tight = template("{#alphanumeric#} " + "x" * 270 + " {#numeric#} kyvs")
    fixed = len(tight.body) - len("{#alphanumeric#}{#numeric#}") + len("042719")
    assert name_room(tight) == 306 - fixed == 23


LINKED = template("{#alphanumeric#} asks. OTP {#numeric#}. Notice {#url#} -kyvs")


def test_the_notice_link_is_a_third_variable_of_its_own():
    assert LINKED.tags == (VariableTag.ALPHANUMERIC, VariableTag.NUMERIC, VariableTag.URL)
    assert template_problems(LINKED, brand="kyvs") == []
    two_links = template("{#numeric#} OTP. See {#url#} or {#url#} -kyvs")
    assert any("2 links" in p for p in template_problems(two_links, brand="kyvs"))


def test_the_url_tag_takes_a_short_link_without_a_query():
    assert VariableTag.URL.accepts("https://kyvs.gov.in/n/hi")
    assert VariableTag.URL.accepts("http://127.0.0.1:8000/n/en")
    assert not VariableTag.URL.accepts("https://kyvs.gov.in/notice?lang=hi")
    assert not VariableTag.URL.accepts("kyvs.gov.in/n/hi")
    assert not VariableTag.URL.accepts("https://" + "k" * 20 + ".gov.in/n/hi")  # over 30
    text = LINKED.fill(["Acme", "042719", "https://kyvs.gov.in/n/hi"])
    assert LINKED.matches(text)
    assert not LINKED.matches(text.replace("kyvs.gov.in", "evil.example/?"))


def test_the_notice_link_may_take_one_segment_more():
    fixed = " asks for your status. OTP {#numeric#}. Share it only if you agree. -kyvs "
    body = "{#alphanumeric#} आपकी स्थिति" + "क" * 20 + fixed  # 2 segments with a full name
    without = template(body, content_type=ContentType.UNICODE)
    linked = template(body + "सूचना {#url#} -kyvs", content_type=ContentType.UNICODE)
    assert (segment_budget(without.tags), segment_budget(linked.tags)) == (2, 3)
    assert name_room(without) == name_room(linked) == MAX_VALUE_CHARS
    name, link = "W" * MAX_VALUE_CHARS, "https://kyvs.gov.in/n/hi"
    assert sms_size(without.fill([name, "042719"])).segments == 2
    assert sms_size(linked.fill([name, "042719", link])).segments == 3
    assert template_problems(linked, brand="kyvs") == []
