"""Operators record personal data breaches, see whom they exposed, and mark the steps done."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kyvs.domain import api_keys
from kyvs.domain.breach import Breach, BreachNotFound, BreachStep, marked, new_breach
from kyvs.domain.breach_exposure import Exposure, exposure_of
from kyvs.domain.errors import InvalidInput
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.providers import ProviderNotFound
from kyvs.ports import BreachLedger, BreachLogs, Clock, ProviderStore, Registry


@dataclass(frozen=True, slots=True)
class BreachReport:
    """An incident with what the logs of its window say."""

    breach: Breach
    exposure: Exposure


class BreachDesk:
    """The operator's side of personal data breaches (DPDP Rules 2025, rule 7)."""

    def __init__(
        self,
        ledger: BreachLedger,
        logs: BreachLogs,
        registry: Registry,
        providers: ProviderStore,
        clock: Clock,
    ) -> None:
        self.ledger = ledger
        self.logs = logs
        self.registry = registry
        self.providers = providers
        self.clock = clock

    def report(
        self,
        *,
        became_aware_at: dt.datetime,
        window_start: dt.datetime,
        window_end: dt.datetime,
        description: str,
        provider_ids: Sequence[str] = (),
        key_ids: Sequence[str] = (),
        data_kinds: Sequence[str] = (),
    ) -> BreachReport:
        """Record an incident and return it with the people its window exposed.

        A leaked API key (`key_ids`: ids, prefixes or whole keys; only ids are kept) narrows the
        window to its provider, like naming the provider. Without `data_kinds` the incident
        names the scopes the window's verifications disclosed. Raises `InvalidInput` for
        impossible facts or an unknown key and `ProviderNotFound` for an unknown provider.
        """
        keys = self._key_providers(key_ids)
        now = self.clock.now()
        draft = new_breach(
            breach_id=f"breach-{now:%Y%m%d}-{secrets.token_hex(3)}",
            reported_at=now,
            became_aware_at=became_aware_at,
            window_start=window_start,
            window_end=window_end,
            description=description,
            data_kinds=data_kinds,
            provider_ids=[*provider_ids, *keys.values()],
            key_ids=list(keys),
        )
        for provider_id in draft.provider_ids:
            if self.providers.get(provider_id) is None:
                raise ProviderNotFound(f"No provider has id {provider_id!r}.")
        exposure = self.exposure(draft)
        breach = replace(
            draft,
            affected_count=len(exposure.people),
            data_kinds=draft.data_kinds or exposure.disclosed_scopes,
        )
        self.ledger.add(breach)
        return BreachReport(breach, exposure)

    def _key_providers(self, typed: Sequence[str]) -> dict[str, str]:
        """Each named key's id with its provider's id, or `InvalidInput` for an unknown key."""
        wanted = {}
        for text in typed:
            key_id = api_keys.parse_key_id(text)
            if key_id is None:
                raise InvalidInput("An API key is named by its id or its prefix kyvs_<id>_.")
            wanted[key_id] = text
        if not wanted:
            return {}
        found = {
            key.key_id: provider.provider_id
            for provider in self.providers.all()
            for key in self.providers.keys(provider.provider_id)
            if key.key_id in wanted
        }
        unknown = sorted(wanted.keys() - found.keys())
        if unknown:
            raise InvalidInput(f"No API key has id {unknown[0]}.")
        return {key_id: found[key_id] for key_id in wanted}

    def exposure(self, breach: Breach) -> Exposure:
        """What the access log and the API audit of the breach's window say now."""
        start, end, providers = breach.window_start, breach.window_end, breach.provider_ids
        records = self.logs.access_between(start, end, providers)
        registered = self.registry.existing(
            {r.beneficiary_ref for r in records if r.beneficiary_ref}
        )
        mobiles = {ref: MobileNumber(mobile) for ref, (_, mobile) in registered.items()}
        return exposure_of(records, mobiles, self.logs.api_calls_between(start, end, providers))

    def get(self, breach_id: str) -> Breach:
        """An incident by id, or `BreachNotFound`."""
        found = self.ledger.get(breach_id.strip())
        if found is None:
            raise BreachNotFound(f"No breach has id {breach_id!r}.")
        return found

    def show(self, breach_id: str) -> BreachReport:
        """An incident with the people its window exposed (read from the logs again)."""
        breach = self.get(breach_id)
        return BreachReport(breach, self.exposure(breach))

    def all(self) -> list[Breach]:
        """Every incident, newest first."""
        return self.ledger.all()

    def mark(self, breach_id: str, step: BreachStep) -> Breach:
        """Mark a step of the incident done now (`InvalidInput` when it cannot be)."""
        done = marked(self.get(breach_id), step, self.clock.now())
        self.ledger.save(done)
        return done
