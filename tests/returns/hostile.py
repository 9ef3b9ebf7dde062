"""Builders of damaged and hostile .xlsx files, for both uploads (returns workbooks and awards),
and a checksum of every table to prove a refused file changed nothing."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile

from tracker import db
from tracker.tables import TABLES


async def checksum() -> str:
    """A hash of every row of every table (sessions aside: each request touches its own)."""
    digest = hashlib.sha256()
    for table in TABLES:
        name = table._meta.tablename
        sql = f'SELECT * FROM "{name}"'
        if name == "key_value":
            sql += " WHERE key NOT LIKE 'session:%'"
        rows = await db.fetch(sql)
        digest.update(name.encode())
        for line in sorted(repr(sorted(r.items())) for r in rows):
            digest.update(line.encode())
    return digest.hexdigest()


def rezip(
    data: bytes,
    *,
    method: int = zipfile.ZIP_DEFLATED,
    rename: dict[str, str] | None = None,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as target:
        for item in source.infolist():
            body = (replace or {}).get(item.filename, source.read(item.filename))
            target.writestr((rename or {}).get(item.filename, item.filename), body)
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def bad_crc(data: bytes, member: str) -> bytes:
    """The same workbook stored uncompressed, with one byte of `member` changed after its CRC."""
    stored = rezip(data, method=zipfile.ZIP_STORED)
    archive = zipfile.ZipFile(io.BytesIO(stored))
    info = archive.getinfo(member)
    header = info.header_offset
    name_len, extra_len = struct.unpack("<HH", stored[header + 26 : header + 30])
    start = header + 30 + name_len + extra_len
    body = bytearray(stored)
    body[start + info.file_size // 2] ^= 0x01
    return bytes(body)


def _patch_central(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Set a field in every central-directory and local header (offset from each signature)."""
    body = bytearray(data)
    for sig, field_offset in ((b"PK\x01\x02", offset), (b"PK\x03\x04", offset - 2)):
        at = body.find(sig)
        while at != -1:
            struct.pack_into(fmt, body, at + field_offset, value)
            at = body.find(sig, at + 4)
    return bytes(body)


def encrypted_flag(data: bytes) -> bytes:
    """Every part marked as encrypted (general purpose flag bit 0)."""
    return _patch_central(data, 8, "<H", 0x0001)


def unknown_compression(data: bytes) -> bytes:
    """Every part claiming a compression method (99, AES) that zipfile and Excel cannot read."""
    return _patch_central(data, 10, "<H", 99)


def ole_encrypted() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE container, not a zip."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512


def legacy_xls() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048


def ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def sheet_moved(data: bytes, formula_cell: str | None = None) -> bytes:
    """The first worksheet stored outside xl/worksheets/ (the relationship points there)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.read("xl/worksheets/sheet1.xml")
    if formula_cell:
        sheet = sheet.replace(
            f'<c r="{formula_cell}"'.encode(), f'<c r="{formula_cell}"><f>1+1</f></c><c r="ZZ1"'.encode(), 1
        )
    rels = archive.read("xl/_rels/workbook.xml.rels").replace(b"worksheets/sheet1.xml", b"elsewhere/data.xml")
    ct = archive.read("[Content_Types].xml").replace(b"/xl/worksheets/sheet1.xml", b"/xl/elsewhere/data.xml")
    return rezip(
        data,
        rename={"xl/worksheets/sheet1.xml": "xl/elsewhere/data.xml"},
        replace={"xl/worksheets/sheet1.xml": sheet, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": ct},
    )


def declared_smaller(data: bytes, ref: str = "A1:B1") -> bytes:
    """The first worksheet declares a smaller size than the rows it holds."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.read("xl/worksheets/sheet1.xml")
    start = sheet.find(b"<dimension ref=")
    if start == -1:
        sheet = sheet.replace(b"<sheetData>", f'<dimension ref="{ref}"/><sheetData>'.encode(), 1)
    else:
        end = sheet.find(b"/>", start)
        sheet = sheet[:start] + f'<dimension ref="{ref}"'.encode() + sheet[end:]
    return rezip(data, replace={"xl/worksheets/sheet1.xml": sheet})


def far_row(data: bytes, row: int = 1_000_000, value: str = "x") -> bytes:
    """One more inline-string cell far below the data: the rows between are empty."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.read("xl/worksheets/sheet1.xml")
    cell = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>{value}</t></is></c></row>'.encode()
    sheet = sheet.replace(b"</sheetData>", cell + b"</sheetData>", 1)
    return rezip(data, replace={"xl/worksheets/sheet1.xml": sheet})


def many_empty_rows(data: bytes, count: int = 1_000_000) -> bytes:
    """A million empty rows: a small file that describes a great deal of work."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.read("xl/worksheets/sheet1.xml")
    last = sheet.rfind(b"</row>")
    start = 100
    empties = b"".join(b'<row r="%d"/>' % n for n in range(start, start + count))
    sheet = sheet[: last + 6] + empties + sheet[last + 6 :]
    return rezip(data, replace={"xl/worksheets/sheet1.xml": sheet})


def chart_with_formula(data: bytes) -> bytes:
    return rezip(data, add={"xl/charts/chart1.xml": b"<c:chartSpace><c:f>Returns!$C$2:$C$3</c:f></c:chartSpace>"})
