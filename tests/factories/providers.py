"""Providers for tests: an onboarded travel agency unless the test says otherwise."""

from __future__ import annotations

from collections.abc import Iterable

from kyvs.domain.providers import Provider, RateLimit


def a_provider(
    *,
    provider_id: str = "prov-yatra",
    name: str = "Yatra Travels",
    category: str = "travel",
    scopes: Iterable[str] = ("status", "vaccinations"),
    purposes: Iterable[str] = ("travel",),
    daily_quota: int = 10_000,
    rate_limit: str = "100/5min",
    active: bool = True,
) -> Provider:
    return Provider(
        provider_id=provider_id,
        name=name,
        category=category,
        scopes=frozenset(scopes),
        purposes=frozenset(purposes),
        daily_quota=daily_quota,
        rate_limit=RateLimit.parse(rate_limit),
        active=active,
    )
