"""Accessibility rules every page keeps, checked on its HTML without a browser (the browser
tests add axe-core): ``lang`` set, one ``h1``, a label for every control, a name for every
button and link, headers in every table, radio groups inside a ``fieldset`` with a ``legend``,
unique ids."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

_CONTROLS = {"input", "select", "textarea"}
_UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.h1 = 0
        self.ids: Counter[str] = Counter()
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.label_depth = 0
        self.tables: list[dict[str, int]] = []
        self.fieldsets: list[dict[str, int]] = []
        self.problems: list[str] = []
        self._text_target: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids[str(attributes["id"])] += 1
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.label_depth += 1
            if attributes.get("for"):
                self.label_for.add(str(attributes["for"]))
        elif tag == "table":
            self.tables.append({"th": 0})
        elif tag == "th" and self.tables:
            self.tables[-1]["th"] += 1
        elif tag == "fieldset":
            self.fieldsets.append({"legend": 0})
        elif tag == "legend" and self.fieldsets:
            self.fieldsets[-1]["legend"] += 1
        if tag in _CONTROLS and attributes.get("type") not in _UNLABELLED_INPUTS:
            control = dict(attributes)
            control["_tag"] = tag
            control["_wrapped"] = "yes" if self.label_depth else None
            control["_in_fieldset"] = "yes" if self.fieldsets else None
            self.controls.append(control)
        if tag in {"button", "a"}:
            self._text_target.append(
                {
                    "tag": tag,
                    "text": attributes.get("aria-label") or "",
                    "href": attributes.get("href") or "",
                }
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)
        elif tag == "table" and self.tables:
            if self.tables.pop()["th"] == 0:
                self.problems.append("a table without header cells")
        elif tag == "fieldset" and self.fieldsets:
            if self.fieldsets.pop()["legend"] == 0:
                self.problems.append("a fieldset without a legend")
        elif tag in {"button", "a"} and self._text_target:
            target = self._text_target.pop()
            if not target["text"].strip():
                self.problems.append(f"a {tag} without a name ({target['href']})")

    def handle_data(self, data: str) -> None:
        for target in self._text_target:
            target["text"] += data


def page_problems(html: str) -> list[str]:
    """What the page breaks of the rules above (empty: it keeps them)."""
    collector = _Collector()
    collector.feed(html)
    problems = list(collector.problems)
    if not collector.html_lang:
        problems.append("<html> without lang")
    if collector.h1 != 1:
        problems.append(f"{collector.h1} h1 elements (one expected)")
    problems += [f"duplicate id {key!r}" for key, count in collector.ids.items() if count > 1]
    for control in collector.controls:
        named = (
            control.get("_wrapped")
            or control.get("aria-label")
            or control.get("aria-labelledby")
            or (control.get("id") and control["id"] in collector.label_for)
        )
        if not named:
            problems.append(f"a {control['_tag']} without a label (name={control.get('name')!r})")
        if control.get("type") == "radio" and not control.get("_in_fieldset"):
            problems.append(f"a radio button outside a fieldset (name={control.get('name')!r})")
    return problems
