"""Drafts of what DPDP Rules 2025 rule 7 asks to send about a breach, filled from the incident.

Rule 7(1): each affected Data Principal is told (a) what happened, its nature, extent, timing
and location, (b) the likely consequences for her, (c) what the data fiduciary does to mitigate
risk, (d) what she can do to protect herself, (e) whom to contact. Rule 7(2)(b): within 72 hours
the Board gets (i) the detailed description, (ii) facts, circumstances and reasons, (iii) the
mitigation, (iv) findings about who caused it, (v) the remedial measures, (vi) a report on the
notices to the people. What only the operator knows is left as a `[bracketed]` gap to fill.
"""

from __future__ import annotations

import datetime as dt

from kyvs.domain.breach import DATA_KINDS, Breach
from kyvs.domain.breach_exposure import Exposure

FILL = "[to be filled in by the operator]"
CONTACT = "[name, phone and e-mail of the person who answers questions about this breach]"

# What someone may do with each kind of data, for the principal's (b).
_CONSEQUENCES = {
    "status": "someone may know whether you are vaccinated",
    "vaccinations": "someone may know which vaccine doses you had and when",
    "demographics": "someone may know your name, birth year and gender",
    "mobile": "you may get calls or messages from people you do not know",
    "photo-id": "someone may try to pass as you with your photo-ID number",
    "access-log": "someone may know who checked your vaccination status",
    "credentials": "someone may have checked vaccination status in a provider's name",
}


def _when(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def _kinds(breach: Breach) -> str:
    if not breach.data_kinds:
        return "[the kinds of data exposed]"
    return "; ".join(DATA_KINDS[k] for k in breach.data_kinds)


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _providers(breach: Breach) -> str:
    named = ", ".join(breach.provider_ids) if breach.provider_ids else "every provider"
    return f"{named} (API keys {', '.join(breach.key_ids)})" if breach.key_ids else named


def principal_notice(breach: Breach, *, contact: str = CONTACT) -> str:
    """The notice to each affected person (rule 7(1)), in plain words."""
    consequences = [_CONSEQUENCES[k] for k in breach.data_kinds] or [FILL]
    lines = [
        "Notice of a personal data breach",
        "",
        f"(a) What happened: {breach.description}",
        f"    Data involved: {_kinds(breach)}.",
        f"    When: between {_when(breach.window_start)} and {_when(breach.window_end)}.",
        "(b) What this may mean for you: " + "; ".join(consequences) + ".",
        f"(c) What we are doing: {FILL}",
        "(d) What you can do: log in to your kyvs page to see who checked your status and when,",
        "    block a provider you do not know, and never share an OTP you did not ask for.",
        f"(e) Questions: {contact}",
    ]
    return "\n".join(lines)


def board_report(breach: Breach, exposure: Exposure, *, now: dt.datetime) -> str:
    """The detailed report to the Data Protection Board (rule 7(2)(b)), as known at `now`."""
    notices = (
        f"notices sent to the affected ({_people(breach.affected_count)}), marked done at "
        f"{_when(breach.principals_notified_at)}"
        if breach.principals_notified_at
        else f"notices to the affected ({_people(breach.affected_count)}) not yet marked sent"
    )
    calls = sum(a.calls for a in exposure.api_activity)
    lines = [
        f"Personal data breach {breach.breach_id}: report to the Data Protection Board",
        f"Became aware: {_when(breach.became_aware_at)}; "
        f"report due by {_when(breach.board_deadline)}; prepared {_when(now)}.",
        "",
        f"(i) Description: {breach.description}",
        f"    Nature: {_kinds(breach)}. Providers involved: {_providers(breach)}.",
        f"    Extent: data of {_people(len(exposure.people))} disclosed in the window; "
        f"{_people(exposure.asked_only)} more sent an OTP request only; "
        f"{calls} API calls were made in the window.",
        f"    Timing: from {_when(breach.window_start)} to {_when(breach.window_end)}.",
        f"(ii) Events, circumstances and reasons: {FILL}",
        f"(iii) Measures to mitigate risk: {FILL}",
        f"(iv) Findings about the person who caused the breach: {FILL}",
        f"(v) Remedial measures against recurrence: {FILL}",
        f"(vi) Intimations to the affected people: {notices}.",
    ]
    return "\n".join(lines)
