"""How much a file users send may hold (rows, columns, cell length, zip expansion), and text kept short enough
to store and show."""

import dataclasses
from collections.abc import Iterable

from django.conf import settings

MB = 1024 * 1024
# Members of a workbook that openpyxl parses whole into memory (styles, the workbook, relations, properties)
# are small in any real file; only the sheets and the shared strings are large, and those are streamed.
WHOLE_MEMBER_BYTES = 64 * MB
# A member smaller than this is not refused for its compression ratio (styles and relations compress well).
RATIO_FROM_BYTES = 1 * MB


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one file may hold; `configured()` reads the settings (README: settings)."""

    rows: int
    columns: int
    cell_chars: int
    zip_members: int
    zip_member_bytes: int
    zip_total_bytes: int
    zip_ratio: int

    @classmethod
    def configured(cls, **lower: int) -> "Limits":
        """The limits from the settings, each one named in `lower` brought down to that value."""
        limits = cls(rows=settings.TABULAR_MAX_ROWS, columns=settings.TABULAR_MAX_COLUMNS,
                     cell_chars=settings.TABULAR_MAX_CELL_CHARS, zip_members=settings.TABULAR_XLSX_MAX_MEMBERS,
                     zip_member_bytes=settings.TABULAR_XLSX_MAX_MEMBER_MB * MB,
                     zip_total_bytes=settings.TABULAR_XLSX_MAX_EXPANDED_MB * MB,
                     zip_ratio=settings.TABULAR_XLSX_MAX_RATIO)
        return dataclasses.replace(limits, **{k: min(v, getattr(limits, k)) for k, v in lower.items()})

    @property
    def run_bytes(self) -> int:
        """The longest stretch of a workbook's XML without a tag: a cell of `cell_chars` characters written the
        longest way XML allows (numeric character references, 10 bytes each), with room for its tag."""
        return max(self.cell_chars * 10, 32_768)


# -- text bounded for storing and showing -----------------------------------------------------------------

MESSAGE_CHARS = 1000  # a job's message, stored in its row and returned by every listing of jobs
TITLE_CHARS = 40  # a column title (or a value) quoted in a message
LISTED = 10  # titles named in one message; the rest are counted


def clip(text, chars: int = TITLE_CHARS) -> str:
    """`text` as at most `chars` characters, an ellipsis marking a cut."""
    text = str(text)
    return text if len(text) <= chars else text[: chars - 1] + "…"


def listed(items: Iterable, *, most: int = LISTED, chars: int = TITLE_CHARS) -> str:
    """Items joined for a message: the first `most`, each clipped, then how many more (…等 12 项)."""
    from django.utils.translation import gettext as _

    items = list(items)
    shown = "、".join(clip(item, chars) for item in items[:most])
    if len(items) > most:
        shown += _("… and %(n)d more") % {"n": len(items) - most}
    return shown
