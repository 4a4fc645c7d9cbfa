"""A consent record for every disclosure, against a real `kyvs serve`: through the open API, the
CoWIN facade, the front-desk console and the hosted flow, each disclosure leaves one signed
record that names its channel, and the operator exports and checks them with the CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from sqlalchemy import text

from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import (
    Onboarding,
    Resident,
    add_staff_login,
    onboard,
    register,
    upgrade,
    wired,
)
from tests.e2e.forms import form_to
from tests.e2e.phone import Phones

PROVIDER = "Sagar Travels"
RETURN_URL = "https://shop.example.com/kyvs/return"
PASSWORD = "correct horse battery"
# One person a channel: a mobile gets only a few OTPs an hour.
PEOPLE = {
    "api": Resident("Asha Patel", "9300000001", ("2021-05-01", "2021-08-01")),
    "cowin": Resident("Bina Joshi", "9300000002", ("2021-05-01",)),
    "console": Resident("Chetan Rao", "9300000003", ("2021-05-01", "2021-08-01")),
    "hosted": Resident("Divya Nair", "9300000004", ()),
}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Deployment:
    base: str
    cli: Cli
    provider: dict[str, Any]
    phones: Phones
    refs: dict[str, str]

    @property
    def key(self) -> dict[str, str]:
        return {"X-Api-Key": self.provider["api_key"]}

    def consents(self) -> dict[str, tuple[str, str]]:
        """Every consent record kept: (txn id, JWS) by consent id."""
        with (
            wired(self.cli.env["KYVS_DATABASE_URL"]) as container,
            container.engine.connect() as db,
        ):
            found = db.execute(
                text(
                    "SELECT consent_id, txn_id, consent FROM access_log"
                    " WHERE consent_id IS NOT NULL"
                )
            )
            return {str(c): (str(t), str(jws)) for c, t, jws in found}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("consent")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1"), folder)
    upgrade(database_url)
    refs = register(cli, PEOPLE.values())
    wanted = Onboarding(PROVIDER, return_urls=(RETURN_URL,))
    provider = onboard(database_url, [wanted])[PROVIDER]
    add_staff_login(database_url, provider["provider_id"], "desk", PASSWORD)
    phones = Phones(database_url)
    with running_server(cli.env, folder) as base:
        yield Deployment(base, cli, provider, phones, refs)
    phones.close()


def through_the_api(d: Deployment, person: Resident) -> dict[str, Any]:
    started = httpx.post(
        f"{d.base}/api/v1/verifications",
        headers=d.key,
        json={"full_name": person.name, "mobile_number": person.mobile, "purpose": "travel"},
    )
    assert started.status_code == 202, started.text
    txn_id = started.json()["txn_id"]
    otp = d.phones.newest_otp(person.mobile)
    confirmed = httpx.post(
        f"{d.base}/api/v1/verifications/{txn_id}/confirm", headers=d.key, json={"otp": otp}
    )
    assert confirmed.status_code == 200, confirmed.text
    return dict(confirmed.json())


def through_cowin(d: Deployment, person: Resident) -> dict[str, Any]:
    started = httpx.post(
        f"{d.base}/api/v3/vaccination/generateOTP",
        headers=d.key,
        json={"full_name": person.name, "mobile_number": person.mobile},
    )
    assert started.status_code == 200, started.text
    digest = hashlib.sha256(d.phones.newest_otp(person.mobile).encode()).hexdigest()
    confirmed = httpx.post(
        f"{d.base}/api/v3/vaccination/confirmOTP",
        headers=d.key,
        json={"txnId": started.json()["txnId"], "otp": digest},
    )
    assert confirmed.status_code == 200, confirmed.text
    bearer = {"Authorization": f"Bearer {confirmed.json()['token']}"}
    status = httpx.get(f"{d.base}/api/v3/vaccination/status", headers=bearer)
    assert status.status_code == 200, status.text
    return dict(status.json())


def through_the_console(d: Deployment, person: Resident) -> str:
    with httpx.Client(base_url=d.base) as desk:
        csrf = _CSRF.search(desk.get("/console").text)
        assert csrf
        login = {"username": "desk", "password": PASSWORD, "csrf": csrf.group(1)}
        assert desk.post("/console/login", data=login).status_code == 303
        form = desk.get("/console")
        action, fields = form_to(form, "/console/checks")
        details = {"full_name": person.name, "mobile_number": person.mobile, "purpose": "travel"}
        started = desk.post(action, data={**fields, **details})
        assert started.status_code == 303, started.text
        otp_page = desk.get(started.headers["location"])
        action, fields = form_to(otp_page, "/otp")
        otp = d.phones.newest_otp(person.mobile)
        done = desk.post(action, data={**fields, "otp": otp})
        assert done.status_code == 303, done.text
        result = desk.get(done.headers["location"])
        assert result.status_code == 200
        return result.text


def through_the_hosted_flow(d: Deployment, person: Resident) -> str:
    created = httpx.post(
        f"{d.base}/api/v1/hosted-sessions",
        headers=d.key,
        json={"return_url": RETURN_URL, "purpose": "travel"},
    )
    assert created.status_code == 201, created.text
    with httpx.Client() as browser:

        def followed(answer: httpx.Response) -> httpx.Response:
            assert answer.status_code == 303, answer.text
            return browser.get(urljoin(str(answer.url), answer.headers["location"]))

        page = browser.get(created.json()["url"])
        action, fields = form_to(page, "/details")
        details = {"full_name": person.name, "mobile_number": person.mobile}
        otp_page = followed(browser.post(action, data={**fields, **details}))
        action, fields = form_to(otp_page, "/otp")
        otp = d.phones.newest_otp(person.mobile)
        done = followed(browser.post(action, data={**fields, "otp": otp}))
        _, posted = form_to(done, "/kyvs/return")
        return posted["result"]


def claims_of(jws: str) -> dict[str, Any]:
    payload = jws.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@pytest.fixture(scope="module")
def disclosures(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """One disclosure through each channel; what the provider got, by channel."""
    api = through_the_api(deployment, PEOPLE["api"])
    cowin = through_cowin(deployment, PEOPLE["cowin"])
    through_the_console(deployment, PEOPLE["console"])
    hosted = claims_of(through_the_hosted_flow(deployment, PEOPLE["hosted"]))["kyvs"]
    consents = deployment.consents()
    console_id = next(
        cid
        for cid, (_, jws) in consents.items()
        if claims_of(jws)["sub"] == deployment.refs[PEOPLE["console"].name]
    )
    return {
        "api": api,
        "cowin": cowin,
        "console": {"consent_id": console_id},
        "hosted": hosted,
    }


def test_every_channel_leaves_one_consent_record_that_the_provider_can_name(
    deployment, disclosures
):
    consents = deployment.consents()
    assert len(consents) == len(PEOPLE), "one record a disclosure, no more"
    for channel, result in disclosures.items():
        assert result["consent_id"] in consents, channel
        _, jws = consents[result["consent_id"]]
        record = claims_of(jws)["consent"]
        assert record["channel"] == channel
        assert record["Customer"]["id"] == deployment.refs[PEOPLE[channel].name]
        assert record["DataConsumer"]["id"] == deployment.provider["provider_id"]
        assert record["Purpose"]["code"] == "travel"


def test_a_record_lists_exactly_the_fields_the_provider_received(deployment, disclosures):
    api = disclosures["api"]
    _, jws = deployment.consents()[api["consent_id"]]
    fields = claims_of(jws)["consent"]["fields"]
    assert "beneficiary.name" in fields and "vaccinations" in fields
    shown = {k for k, v in api.items() if not isinstance(v, dict)} | {
        f"beneficiary.{k}" for k in api["beneficiary"]
    }
    assert set(fields) == shown - {"txn_id", "consent_id", "attestation"}


def test_the_operator_verifies_a_record_by_its_id(deployment, disclosures):
    checked = deployment.cli.run("consent", "verify", disclosures["api"]["consent_id"], "--json")
    answer = json.loads(checked.stdout)
    assert answer["valid"] is True
    assert answer["record"]["channel"] == "api"


def test_the_export_holds_every_record_each_checked(deployment, disclosures):
    out = deployment.cli.cwd / "consents.json"
    deployment.cli.run("consent", "export", "--out", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    by_id = {r["consent_id"]: r for r in exported}
    assert by_id.keys() == {r["consent_id"] for r in disclosures.values()}
    for channel, result in disclosures.items():
        assert by_id[result["consent_id"]]["valid"] is True, channel
        assert by_id[result["consent_id"]]["record"]["channel"] == channel
    mobiles = [p.mobile for p in PEOPLE.values()]
    assert not any(m in out.read_text(encoding="utf-8") for m in mobiles), "no mobile in it"


def test_a_forged_record_does_not_verify(deployment, disclosures):
    _, jws = deployment.consents()[disclosures["api"]["consent_id"]]
    header, _, signature = jws.split(".")
    claims = claims_of(jws)
    claims["consent"]["fields"] = ["vaccination_status"]

    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    checked = deployment.cli.run("consent", "verify", forged, "--json", check=False)
    assert checked.returncode == 1
    assert json.loads(checked.stdout) == {"valid": False, "reason": "bad signature"}


def test_the_citizen_sees_the_consent_id_in_their_access_log(deployment, disclosures):
    person = PEOPLE["api"]
    started = httpx.post(
        f"{deployment.base}/api/v1/citizen/login", json={"mobile_number": person.mobile}
    )
    assert started.status_code == 202, started.text
    otp = deployment.phones.newest_otp(person.mobile)
    confirmed = httpx.post(
        f"{deployment.base}/api/v1/citizen/login/{started.json()['txn_id']}/confirm",
        json={"otp": otp},
    )
    assert confirmed.status_code == 200, confirmed.text
    bearer = {"Authorization": f"Bearer {confirmed.json()['token']}"}
    log = httpx.get(f"{deployment.base}/api/v1/citizen/access-log", headers=bearer).json()
    verified = [e for e in log if e["outcome"] == "verified"]
    assert [e["consent_id"] for e in verified] == [disclosures["api"]["consent_id"]]
    assert claims_of(verified[0]["consent"])["jti"] == disclosures["api"]["consent_id"]
    assert all(e["consent_id"] is None for e in log if e["outcome"] != "verified")
