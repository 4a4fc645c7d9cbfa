"""Demo data: a few hand-made people to try, plus synthetic households. Loading it is idempotent."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from kyvs.domain import api_keys, reference_ids
from kyvs.domain.access import AccessCatalogue
from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Beneficiary, Gender, Registration
from kyvs.domain.providers import Provider, RateLimit
from kyvs.domain.rules import RuleSet
from kyvs.ports import ProviderStore, Registry
from kyvs.services import providers
from kyvs.services.importing.load import LoadReport, load_registrations, registrations_as_outcomes
from kyvs.services.synth import generate

DEMO_SEED = 2021
DEMO_SYNTHETIC_PEOPLE = 2000

P, B = DoseKind.PRIMARY, DoseKind.PRECAUTION


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """A demo person to try verification with: the name and mobile to type."""

    full_name: str
    mobile: str
    birth_year: int
    gender: Gender
    doses: tuple[tuple[str, str, DoseKind], ...]  # (vaccine, ISO date, kind)

    def registration(self) -> Registration:
        """The registry entry of this demo person (a stable reference id)."""
        person = Beneficiary(
            reference_id=reference_ids.derived("demo", self.mobile, self.full_name),
            full_name=self.full_name,
            birth_year=self.birth_year,
            gender=self.gender,
            mobile=MobileNumber(self.mobile),
        )
        doses = tuple(
            Dose(vaccine, n, kind, dt.date.fromisoformat(day), "Demo Vaccination Centre", "DEMO01")
            for n, (vaccine, day, kind) in enumerate(self.doses, start=1)
        )
        return Registration(person, doses)


DEMO_PEOPLE = (
    DemoPerson(
        "Asha Patel",
        "9000000001",
        1988,
        Gender.FEMALE,
        (
            ("COVISHIELD", "2021-05-03", P),
            ("COVISHIELD", "2021-08-02", P),
            ("COVISHIELD", "2022-09-15", B),
        ),
    ),
    DemoPerson(
        "Rohan Patel",
        "9000000001",
        1986,
        Gender.MALE,
        (("COVISHIELD", "2021-06-10", P), ("COVISHIELD", "2021-09-20", P)),
    ),
    DemoPerson("Meera Patel", "9000000001", 2008, Gender.FEMALE, (("COVAXIN", "2022-01-20", P),)),
    DemoPerson("Ravi Kumar", "9000000002", 1975, Gender.MALE, ()),
    DemoPerson(
        "ભાવેશ શાહ",
        "9000000003",
        1992,
        Gender.MALE,
        (("COVAXIN", "2021-07-01", P), ("COVAXIN", "2021-08-05", P)),
    ),
    DemoPerson(
        "सुनीता देशमुख",
        "9000000004",
        1965,
        Gender.FEMALE,
        (
            ("COVISHIELD", "2021-03-10", P),
            ("COVISHIELD", "2021-06-15", P),
            ("CORBEVAX", "2022-10-01", B),
        ),
    ),
    DemoPerson("प्रिया शर्मा", "9000000005", 1999, Gender.FEMALE, (("COVISHIELD", "2021-11-02", P),)),
    DemoPerson(
        "John D'Souza",
        "9000000006",
        1958,
        Gender.MALE,
        (("SPUTNIK-V", "2021-06-01", P), ("SPUTNIK-V", "2021-06-25", P)),
    ),
)


def load_demo_data(*, registry: Registry, rules: RuleSet, max_per_mobile: int) -> LoadReport:
    """Store the demo people and the synthetic demo households; already-present rows are skipped."""
    people = (
        *(p.registration() for p in DEMO_PEOPLE),
        *generate(
            DEMO_SYNTHETIC_PEOPLE, seed=DEMO_SEED, rules=rules, max_per_mobile=max_per_mobile
        ),
    )
    return load_registrations(
        registrations_as_outcomes(people), registry=registry, max_per_mobile=max_per_mobile
    )


def is_loaded(registry: Registry) -> bool:
    """True when the demo people are in the registry (a second `make run` skips loading)."""
    refs = [p.registration().beneficiary.reference_id for p in DEMO_PEOPLE]
    return len(registry.existing(refs)) == len(refs)


DEMO_PROVIDER_ID = "prv_demo"
DEMO_STAFF = ("demo", "demo-password")  # console login, demo mode only
DEMO_SHOP_ORIGIN = "http://127.0.0.1:8001"  # examples/provider_site
DEMO_SHOP_RETURN_URL = f"{DEMO_SHOP_ORIGIN}/kyvs/return"


def demo_api_key(secret: bytes) -> str:
    """The demo provider's API key, derived from the installation's secret (demo mode only)."""
    key_id = hmac.new(secret, b"demo-provider-key-id", hashlib.sha256).hexdigest()[:12]
    body = hmac.new(secret, b"demo-provider-key", hashlib.sha256).digest()
    return f"kyvs_{key_id}_{base64.urlsafe_b64encode(body).decode().rstrip('=')}"


def ensure_demo_provider(
    *,
    store: ProviderStore,
    access: AccessCatalogue,
    secret: bytes,
    now: dt.datetime,
    hash_password: Callable[[str], str],
) -> str:
    """Create the demo provider and its key once; returns the key."""
    key = demo_api_key(secret)
    if store.get(DEMO_PROVIDER_ID) is None:
        provider = Provider(
            provider_id=DEMO_PROVIDER_ID,
            name="Demo Travels",
            category=access.check_category("travel"),
            scopes=access.check_scopes(["status", "vaccinations", "demographics"]),
            purposes=access.check_purposes(["travel", "employment", "accommodation"]),
            daily_quota=10_000,
            rate_limit=RateLimit(100, 300),
            return_urls=(DEMO_SHOP_RETURN_URL,),
            embed_origins=(DEMO_SHOP_ORIGIN,),
        )
        store.add(provider, created_at=now)
    if not any(k.key_hash == api_keys.hash_key(key) for k in store.keys(DEMO_PROVIDER_ID)):
        providers.issue_key(store=store, provider_id=DEMO_PROVIDER_ID, now=now, fixed=key)
    if store.staff(DEMO_STAFF[0]) is None:
        providers.add_staff(
            store=store,
            provider_id=DEMO_PROVIDER_ID,
            username=DEMO_STAFF[0],
            password=DEMO_STAFF[1],
            hash_password=hash_password,
            now=now,
        )
    return key
