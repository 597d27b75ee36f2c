"""Reading the figures a page shows back out of its HTML: every element with `data-figure` (its key), its visible
label (the `.figure-label` inside it, else the text around it), its number (the `.figure-value` inside it, else its
own text), the unit and day it is counted for (`data-unit`, `data-day` on it or an element around it) and the
whole it is shown as a part of (`data-part-of`). Used by the equal-label test and by whoever reads figures off a
page (the officer's day in the browser)."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class ShownFigure:
    key: str
    label: str
    value: float | None
    unit: str
    day: str
    part_of: str
    tag: str


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "").removesuffix("%")
    return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.found: list[ShownFigure] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in VOID:
            return
        classes = set((attrs.get("class") or "").split())
        self.stack.append({"tag": tag, "attrs": attrs, "text": [], "label": [] if "figure-label" in classes else None,
                           "value": [] if "figure-value" in classes else None})

    def handle_endtag(self, tag):
        if not any(e["tag"] == tag for e in self.stack):
            return
        while self.stack:
            element = self.stack.pop()
            text = "".join(element["text"])
            if self.stack:  # what an element holds is its parent's too
                parent = self.stack[-1]
                parent["text"].append(text)
                parent.setdefault("labels", []).extend(element.get("labels", []))
                parent.setdefault("values", []).extend(element.get("values", []))
                if element["label"] is not None:
                    parent["labels"].append(text)
                if element["value"] is not None:
                    parent["values"].append(text)
            if "data-figure" in element["attrs"]:
                self._record(element, text)
            if element["tag"] == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["text"].append(data)

    def _around(self, name: str, element: dict) -> str:
        for e in [element, *reversed(self.stack)]:
            if e["attrs"].get(name):
                return e["attrs"][name]
        return ""

    def _record(self, element: dict, text: str) -> None:
        labels = element.get("labels", []) + ([text] if element["label"] is not None else [])
        values = element.get("values", []) + ([text] if element["value"] is not None else [])
        value = _number(values[0]) if values else _number(text)
        if labels:
            label = labels[0]
        elif self.stack and element["tag"] not in ("th", "dt") and not element["attrs"].get("data-unit"):
            label = "".join(self.stack[-1]["text"]).replace(text, "").strip(" ：:\n")  # an inline number: its words
        else:
            label = ""  # a column head, or a cell whose label is the column's
        self.found.append(ShownFigure(key=element["attrs"]["data-figure"], label=" ".join(label.split()),
                                      value=value, unit=self._around("data-unit", element),
                                      day=self._around("data-day", element),
                                      part_of=element["attrs"].get("data-part-of", ""), tag=element["tag"]))


def figures_read(html: str) -> list[ShownFigure]:
    """Every figure shown in `html`, in the order it appears."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.found
