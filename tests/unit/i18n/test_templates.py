"""Every page template renders in every supported language, using only extracted msgids.

The context mirrors what `kyvs.web.pages.rendering.render` passes (`_`, `f`, `nf`, the localized
`formatters`, `languages`, `csrf`, `path`, `lang`) plus each route's own variables, once with
every optional part shown ("full") and once with the least a route passes ("bare").
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from functools import cache
from importlib import resources
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import meta

from kyvs.i18n import (
    COMPLETE_LANGUAGES,
    LANGUAGE_NAMES,
    STATUS_LABELS,
    SUPPORTED_LANGUAGES,
    translator,
)
from kyvs.i18n.catalogs import catalog, usable_messages, usable_plurals
from kyvs.i18n.extract import extract
from kyvs.services.notice import NoticeBook
from kyvs.web.pages.rendering import environment, formatters

TEMPLATES = environment().list_templates(extensions=["html"])
VARIANTS = ("full", "bare")
NOW = dt.datetime(2026, 11, 23, 4, 45, tzinfo=dt.UTC)
PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}")


@cache
def extracted() -> frozenset[str]:
    return frozenset(extract().messages)


def purpose_labels() -> list[tuple[str, str]]:
    text = resources.files("kyvs.rules").joinpath("access.toml").read_text(encoding="utf-8")
    return [(purpose["code"], purpose["label"]) for purpose in tomllib.loads(text)["purposes"]]


def helpers(language: str, path: str, used: list[str]) -> dict[str, Any]:
    """What `render()` passes to every template; `_`, `f` and `nf` also note the msgids used."""
    words = translator(language)

    def gettext(msgid: str) -> str:
        used.append(msgid)
        return words.gettext(msgid)

    def format_message(msgid: str, **values: object) -> str:
        used.append(msgid)
        return words.format(msgid, **values)

    def format_plural(singular: str, plural: str, n: int, **values: object) -> str:
        used.append(singular)
        return words.nformat(singular, plural, n, **values)

    return {
        "lang": language,
        "_": gettext,
        "f": format_message,
        "nf": format_plural,
        **formatters(language),
        "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LANGUAGES],
        "csrf": "csrf-token",
        "path": path,
    }


def page_context(template: str, language: str, variant: str) -> dict[str, Any]:
    """The variables the routes pass to `template` (see src/kyvs/web/pages/*.py)."""
    full = variant == "full"
    words = translator(language)
    code = 2 if full else 0
    status_label = words.gettext(STATUS_LABELS[code])
    provider = SimpleNamespace(name="Acme Travels")
    purposes = [(code, words.gettext(label)) for code, label in purpose_labels()]
    base = {  # base.html: `embed` only comes from the hosted routes, falsy elsewhere
        "title": "kyvs",
        "message": "A notice" if full else None,
        "sms_notice": "SMS is failing" if full else None,
        "problem": "A problem" if full else None,
        "embed": not full and template.startswith("hosted/"),
    }
    otp_form = {
        "otp_action": "/console/checks/t1/otp",
        "resend_action": "/console/checks/t1/resend",
        "form_token": "form-token",
        "otp_length": 6,
        "expires_at": (NOW + dt.timedelta(minutes=3)).isoformat(),
        "resend_at": (NOW + dt.timedelta(seconds=30)).isoformat(),
        "attempts_left": 2 if full else None,
        "challenge": '{"challenge": "0"}' if full else None,
    }
    result: dict[str, Any] = {
        "txn_id": "t1",
        "vaccination_status": code,
        "status_text": status_label,
        "precaution_dose": full,
        "verified_at": NOW.isoformat().replace("+00:00", "Z"),
    }
    if full:
        result["beneficiary"] = {
            "name": "Asha Patel",
            "birth_year": 1984,
            "gender": "F",
            "reference_id_masked": "XXXXXXXXX1234",
        }
        result["vaccinations"] = [
            {"vaccine": "COVISHIELD", "dose": 1, "kind": "primary", "date": "2021-05-02"},
            {"vaccine": "COVISHIELD", "dose": 3, "kind": "precaution", "date": "2022-04-20"},
        ]
    status = {"result": result, "status_label": status_label, "verified_at": NOW}
    hosted = {
        "provider": provider,
        "base": "/hosted/s1",
        "q": "" if full else "?embed=1",
        "form_token": "form-token",
    }
    people = [
        {
            "ref": "1234567890123",
            "name": "Asha Patel",
            "code": code,
            "status_label": status_label,
            "precaution": full,
            "precaution_due": "23 November 2026" if full else None,
            "doses": [
                SimpleNamespace(
                    dose_number=1, vaccine="COVAXIN", date=dt.date(2021, 6, 1), centre="PHC Anand"
                )
            ]
            if full
            else [],
        }
    ]
    log = [
        {
            "at": NOW,
            "provider_id": f"p{blocked}",
            "provider_name": "Acme Travels",
            "purpose": purposes[0][1],
            "outcome": words.gettext("Status shared"),
            "person": "Asha Patel",
            "blocked": blocked,
            "consent_id": "5f0c6a1e-8d1b-4c37-9a55-2f3f1b7e9d10" if blocked else None,
        }
        for blocked in (False, True)
    ]
    links = [
        {
            "link_id": f"l{live}",
            "url": f"https://kyvs.example/s/l{live}",
            "person": "Asha Patel",
            "expires": "23 December 2026",
            "live": live,
        }
        for live in (True, False)
    ]
    notices = NoticeBook()
    privacy = {  # a provider's notice on the OTP screens, the general one on /me
        "privacy": notices.for_provider(
            language, scopes=("status", "demographics"), purpose_label="travel"
        ),
        "privacy_link": f"/notice?lang={language}",
    }
    general = {**privacy, "privacy": notices.current(language)}
    routes: dict[str, dict[str, Any]] = {
        "base.html": {},
        "landing.html": {},
        "error.html": {"heading": "Page not found", "detail": "Gone.", "back": "/"},
        "_otp_form.html": otp_form,
        "_status.html": status,
        "console/login.html": {"username": "desk1" if full else None},
        "console/verify.html": {
            "provider": provider,
            "username": "desk1",
            "purposes": purposes,
            "full_name": "Asha Patel" if full else None,
            "mobile_number": "9876543210" if full else None,
        },
        "console/otp.html": {"provider": provider, **otp_form, **privacy},
        "console/result.html": {"provider": provider, **status},
        "console/history.html": {
            "provider": provider,
            "checks": [
                {
                    "created_at": NOW,
                    "purpose": purposes[0][1],
                    "outcome": status_label,
                    "name": None,
                }
            ]
            if full
            else [],
        },
        "hosted/details.html": {
            **hosted,
            "purpose_label": purposes[0][1],
            "starts_left": 2 if full else 0,
            **privacy,
        },
        "hosted/otp.html": {**hosted, **otp_form, **privacy},
        "hosted/done.html": {
            **hosted,
            **status,
            "return_url": "https://acme.example/back",
            "session_id": "s1",
            "attestation": "header.payload.signature",
        },
        "hosted/gone.html": {},
        "hosted/sent.html": hosted,
        "me/login.html": {
            "challenge": '{"challenge": "0"}' if full else None,
            "mobile": "9876543210" if full else "",
        },
        "me/otp.html": otp_form,
        "me/people.html": {
            "people": people,
            "log": log if full else [],
            "links": links if full else [],
            "otp_channel": "whatsapp" if full else None,  # offered where WhatsApp is on
            "consents": [
                {
                    "consent_id": "c1",
                    "provider_name": "Yatra Travels",
                    "person": "Asha Patel",
                    "expires_at": NOW,
                }
            ]
            if full
            else [],
            "subjects": [("disclosure", "A check or disclosure of my status")],
            "grievances": [
                {
                    "subject": "Something else",
                    "text": "Why?",
                    "filed": "23 November 2026",
                    "due": "21 February 2027",
                    "answer": answer,
                    "answered": "24 November 2026" if answer else None,
                }
                for answer in ("Because.", None)
            ]
            if full
            else [],
            **general,
        },
        "me/erasure.html": {
            "report": {
                "erased": [{"what": "Blocks lifted", "count": 2}] if full else [],
                "kept": [
                    {"what": "Your blocks", "why": "They protect you.", "route": None},
                    {"what": "Your registry record", "why": "Ask.", "route": "/me#people"},
                ],
            }
        },
        "_privacy_notice.html": privacy,
        "notice.html": {"notice": notices.current(language)},
        "me/card.html": {
            "page": "https://kyvs.example/s/l1",
            "square": "https://kyvs.example/s/l1/card.png?size=square",
            "wide": "https://kyvs.example/s/l1/card.png?size=wide",
            "status_label": status_label,
        },
        "shared.html": {
            "heading": f"{words.gettext('Vaccination status')}: {status_label}",
            "description": "Signed by kyvs.",
            "page_url": "https://kyvs.example/s/l1",
            "image_url": "https://kyvs.example/s/l1/card.png?size=wide",
            "shared": {
                "vaccination_status": code,
                "status": "FULLY_VACCINATED",
                "precaution_dose": full,
                "name": "A. P." if full else None,
                "as_of": "2026-11-23",
            },
            "status_label": status_label,
            "as_of": "23 November 2026",
            "expires": "23 December 2026",
            "claim": "header.payload.signature",
        },
    }
    if template not in routes:
        pytest.fail(f"no stub context for {template}: add one to page_context()")
    return {**base, **routes[template]}


def render(template: str, language: str, variant: str) -> tuple[str, list[str]]:
    used: list[str] = []
    context = {**helpers(language, "/page", used), **page_context(template, language, variant)}
    return environment().get_template(template).render(**context), used


def test_there_are_templates():
    assert "base.html" in TEMPLATES
    assert "me/people.html" in TEMPLATES


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_in_every_language(template, language, variant):
    html, used = render(template, language, variant)
    assert used, f"{template} says nothing through the catalogs"
    assert [msgid for msgid in used if msgid not in extracted()] == [], "not extracted"
    assert not PLACEHOLDER.search(html), "a {placeholder} was left unfilled"
    if "base.html" in _referenced(template):
        assert f'<html lang="{language}">' in html
    if language in COMPLETE_LANGUAGES:
        po_catalog = catalog(language)
        usable = usable_messages(po_catalog).keys() | usable_plurals(po_catalog).keys()
        assert [msgid for msgid in used if msgid not in usable] == [], "not translated"


def test_the_stubs_reach_every_msgid_of_the_templates():
    used: set[str] = set()
    for template in TEMPLATES:
        for variant in VARIANTS:
            used.update(render(template, "en", variant)[1])
    in_templates = [
        msgid
        for msgid, sources in extract().messages.items()
        if any(source.startswith("web/templates/") for source in sources)
    ]
    assert [msgid for msgid in in_templates if msgid not in used] == [], "a branch no stub shows"


@pytest.mark.parametrize("language", [lang for lang in COMPLETE_LANGUAGES if lang != "en"])
def test_a_translated_page_shows_the_translations(language):
    html, _ = render("console/verify.html", language, "full")
    words = translator(language)
    for msgid in ("Check a vaccination status", "Send OTP", "Language of the SMS"):
        assert words.gettext(msgid) in html
        assert msgid not in html


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_stub_context_has_every_variable_a_template_reads(template):
    given = set(helpers("en", "/", [])) | set(page_context(template, "en", "full"))
    assert sorted(_undeclared(template) - given) == []


def _source(name: str) -> str:
    env = environment()
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


def _referenced(template: str) -> set[str]:
    """`template` and every template it extends or includes, recursively."""
    seen: set[str] = set()
    pending = [template]
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            parsed = environment().parse(_source(name))
            pending += [ref for ref in meta.find_referenced_templates(parsed) if ref]
    return seen


def _undeclared(template: str) -> set[str]:
    """The variables `template` (with what it extends and includes) reads from its context."""
    return {
        variable
        for name in _referenced(template)
        for variable in meta.find_undeclared_variables(environment().parse(_source(name)))
    }
