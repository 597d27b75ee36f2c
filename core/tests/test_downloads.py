"""Every download is named in the reader's language with an ASCII fallback (RFC 6266, RFC 5987), in one place."""

import datetime as dt
import re
from pathlib import Path
from urllib.parse import unquote

from django.http import HttpResponse

from core.tabular import attachment, attachment_header, date_zh, download_name

ROOT = Path(__file__).resolve().parents[2]
ONE_PLACE = ROOT / "core" / "tabular" / "writing.py"
SETS_A_NAME = re.compile(r"Content-Disposition|content_disposition_header|as_attachment|FileResponse\(")


def test_a_chinese_name_is_sent_with_an_ascii_fallback():
    header = attachment_header("长青街道-2020年5月21日-报表.xlsx", fallback="reports-431302004-2020-05-21.xlsx")
    assert header == ("attachment; filename=\"reports-431302004-2020-05-21.xlsx\"; filename*=UTF-8''"
                      "%E9%95%BF%E9%9D%92%E8%A1%97%E9%81%93-2020%E5%B9%B45%E6%9C%8821%E6%97%A5-%E6%8A%A5%E8%A1%A8.xlsx")
    assert header.isascii()


def test_an_ascii_name_is_sent_once():
    assert attachment_header("volunteer-tally.csv", fallback="volunteer-tally.csv") == (
        'attachment; filename="volunteer-tally.csv"')


def test_names_hold_no_path_quote_or_control_and_the_fallback_is_plain_ascii():
    header = attachment_header('../"人员"\r\n名单:*?.csv', fallback='../"ren yuan"\r\n名单.csv')
    plain = re.search(r'filename="([^"]*)"', header)[1]
    encoded = unquote(re.search(r"filename\*=UTF-8''(\S+)", header)[1])
    assert plain == "ren-yuan.csv"
    assert encoded == "人员-名单.csv"
    assert "\r" not in header and "\n" not in header and "/" not in encoded
    assert download_name("a" * 400 + ".xlsx") == "a" * 150 + ".xlsx"


def test_attachment_names_a_response():
    response = attachment(HttpResponse(b"x"), "确诊病例.csv", fallback="confirmed.csv")
    assert response["Content-Disposition"].startswith('attachment; filename="confirmed.csv"; filename*=UTF-8\'\'')


def test_chinese_dates_are_written_as_documents_write_them():
    assert date_zh(dt.date(2020, 5, 1)) == "2020年5月1日"


def test_no_download_is_named_outside_the_one_place():
    """A new download goes through core.tabular (attachment, file_download, table_download, table_stream),
    so that it too carries a name in the reader's language and an ASCII fallback."""
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "var"} or "tests" in relative.parts or path == ONE_PLACE:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if SETS_A_NAME.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "downloads named outside core.tabular:\n" + "\n".join(offenders)
