"""A sheet's header row and its titles as they are looked up: 身份证号码, ＊身份证号码 and 身份证号码(必填) are one title."""

import re
import unicodedata
from collections.abc import Iterator

_HINT = re.compile(r"\(.*\)$")  # 出生日期(yyyy-mm-dd), 手机号码(必填)
HEADER_WITHIN = 10  # the header row is looked for among the rows up to this one


def header_key(title) -> str:
    """A column title as looked up: half-width (NFKC), no spaces or asterisks, no trailing hint, lower-case."""
    text = str(title or "")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split()).strip("*")
    return _HINT.sub("", text).strip("*").lower()


def header_row(rows: Iterator[tuple[int, list]], known) -> tuple[int, list, list[str]] | None:
    """(line, cells, looked-up keys) of the header row: the first row up to HEADER_WITHIN naming two columns
    `known` holds, else the first row that is not blank; None when every row is blank."""
    first = None
    for line, cells in rows:
        if not any(cells):
            continue
        keys = [header_key(c) for c in cells]
        if first is None:
            first = (line, cells, keys)
        if sum(1 for k in keys if k in known) >= 2:
            return line, cells, keys
        if line >= HEADER_WITHIN:
            return first
    return first
