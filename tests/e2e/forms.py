"""Reading a page's forms as a browser would, for tests that play the browser with httpx."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx


class Forms(HTMLParser):
    """Every form of a page: its action and its named inputs' values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append((values.get("action") or "", {}))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][1][values["name"] or ""] = values.get("value") or ""


def forms_of(page: httpx.Response) -> list[tuple[str, dict[str, str]]]:
    """The page's forms: absolute action and hidden fields."""
    parser = Forms()
    parser.feed(page.text)
    return [(urljoin(str(page.url), action), fields) for action, fields in parser.forms]


def has_form_to(page: httpx.Response, suffix: str) -> bool:
    """Whether the page has a form posting to `.../suffix`."""
    return any(urlsplit(action).path.endswith(suffix) for action, _ in forms_of(page))


def form_to(page: httpx.Response, suffix: str) -> tuple[str, dict[str, str]]:
    """The absolute action and the hidden fields of the page's form posting to `.../suffix`."""
    for action, fields in forms_of(page):
        if urlsplit(action).path.endswith(suffix):
            return action, fields
    raise AssertionError(f"no form posting to {suffix} in:\n{page.text}")
