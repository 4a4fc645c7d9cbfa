"""Which Host headers a server answers for, and where its links point."""

from __future__ import annotations

import pytest

from kyvs.settings import Settings
from kyvs.web.public_urls import public_base_url
from kyvs.web.trusted_hosts import host_is_trusted, trusted_host_patterns


def settings(**values: object) -> Settings:
    return Settings(demo=True, **values)


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        ("kyvs.example.gov.in", True),
        ("KYVS.Example.gov.in:443", True),
        ("api.kyvs.example.gov.in", False),
        ("kyvs.example.gov.in.evil.test", False),
        ("127.0.0.1:8000", True),
        ("[::1]:8000", True),
        ("localhost", True),
        ("evil.test", False),
        ("", False),
    ],
)
def test_only_the_public_host_and_loopback_are_trusted_by_default(host, trusted):
    patterns = trusted_host_patterns(
        settings(public_base_url="https://kyvs.example.gov.in", trusted_hosts="")
    )

    assert host_is_trusted(host, patterns) is trusted


def test_a_wildcard_pattern_matches_subdomains_only():
    patterns = ("*.example.org",)

    assert host_is_trusted("kyvs.example.org:8443", patterns)
    assert not host_is_trusted("example.org", patterns)
    assert not host_is_trusted("kyvs.example.org.evil.test", patterns)


def test_a_star_trusts_every_host():
    assert host_is_trusted("anything.test", trusted_host_patterns(settings(trusted_hosts="*")))


def test_listed_hosts_replace_the_loopback_defaults_but_keep_the_public_host():
    patterns = trusted_host_patterns(
        settings(trusted_hosts="kyvs.internal", public_base_url="https://kyvs.example.gov.in")
    )

    assert patterns == ("kyvs.internal", "kyvs.example.gov.in")


def test_the_public_base_url_is_an_origin():
    assert settings(public_base_url="HTTPS://Kyvs.Example.gov.in/").public_base_url == (
        "https://kyvs.example.gov.in"
    )
    for wrong in ("ftp://kyvs.example", "https://kyvs.example/app", "kyvs.example", "https://u@x"):
        with pytest.raises(ValueError, match="KYVS_PUBLIC_BASE_URL"):
            settings(public_base_url=wrong)


def test_without_a_public_base_url_links_use_the_bound_address():
    assert public_base_url(settings(host="127.0.0.1", port=8123)) == "http://127.0.0.1:8123"
    assert public_base_url(settings(host="0.0.0.0", port=8000)) == "http://127.0.0.1:8000"  # noqa: S104
    assert public_base_url(settings(host="::1", port=8000)) == "http://[::1]:8000"
