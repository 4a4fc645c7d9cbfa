"""Providers' rate limits as operators type them (`100/5min`), and their display names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.domain.errors import InvalidInput
from kyvs.domain.providers import RateLimit, check_provider_name


@pytest.mark.parametrize(
    ("text", "count", "window_s"),
    [
        ("100/5min", 100, 300),  # the default, CoWIN's public API limit
        ("10/s", 10, 1),
        ("10/sec", 10, 1),
        ("1000/h", 1000, 3600),
        ("1000/hour", 1000, 3600),
        ("10000/day", 10000, 86400),
        ("10000/d", 10000, 86400),
        ("60/m", 60, 60),
        ("60/min", 60, 60),
        ("5/2h", 5, 7200),
        ("1/90s", 1, 90),
        (" 100 / 5 min ", 100, 300),
        ("100/5MIN", 100, 300),
        ("100/Day", 100, 86400),
    ],
)
def test_a_rate_limit_is_a_count_per_window(text, count, window_s):
    assert RateLimit.parse(text) == RateLimit(count, window_s)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "100",
        "100/",
        "/min",
        "100/5",
        "0/min",  # a limit that admits nothing
        "-5/min",
        "100/0min",  # a window of no time at all
        "100/00h",
        "1.5/s",
        "100/week",
        "100/5 mins",
        "100 per min",
        "hundred/min",
        "100/min/ip",
        "1" * 5000 + "/s",  # past Python's int() digit limit: still a clean refusal
        "100/" + "1" * 5000 + "s",
    ],
)
def test_anything_else_is_refused_with_an_example(text):
    with pytest.raises(InvalidInput, match="100/5min"):
        RateLimit.parse(text)


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (RateLimit(100, 300), "100/5min"),
        (RateLimit(60, 60), "60/min"),
        (RateLimit(1000, 3600), "1000/h"),
        (RateLimit(5, 7200), "5/2h"),
        (RateLimit(10000, 86400), "10000/day"),
        (RateLimit(3, 2 * 86400), "3/2day"),
        (RateLimit(10, 1), "10/1s"),
        (RateLimit(1, 90), "1/90s"),
    ],
)
def test_a_rate_limit_prints_in_the_largest_whole_unit(limit, text):
    assert str(limit) == text


@given(count=st.integers(1, 10**6), window_s=st.integers(1, 30 * 86400))
def test_a_printed_rate_limit_parses_back_to_itself(count, window_s):
    limit = RateLimit(count, window_s)
    assert RateLimit.parse(str(limit)) == limit


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Yatra Travels", "Yatra Travels"),
        ("  Yatra \t Travels\n", "Yatra Travels"),
        ("AB", "AB"),
        ("अ" * 60, "अ" * 60),
    ],
)
def test_a_provider_name_is_kept_on_one_line_with_single_spaces(typed, name):
    assert check_provider_name(typed) == name


@pytest.mark.parametrize("typed", ["", "   ", "A", " A ", "x" * 61, "Yatra " + "x" * 60])
def test_a_provider_name_has_2_to_60_characters(typed):
    with pytest.raises(InvalidInput, match="2 to 60 characters"):
        check_provider_name(typed)
