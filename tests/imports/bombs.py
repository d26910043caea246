"""Hostile XLSX files, built by hand (zipfile), as they were found in the attack on the app
(issue #15, finding 1). Each is a small upload that costs an unbounded reader gigabytes:

* `dimension_bomb()`: 1.8 KB; the sheet declares `<dimension ref="A1:XFD1048576"/>` and has rows
  1 and 1048576. openpyxl's read-only reader pads every row to the declared 16,384 columns and
  every missing row in between: 38 s and 2.7 GB for one upload.
* `shared_strings_bomb()`: 157 KB; 700,000 equal shared strings (46 MB), which zip packs about
  300 to one: openpyxl holds them all in a list before the first row is read.
* `many_strings_bomb()`: 500,000 different short shared strings (12 MB unpacked, packed like
  ordinary text, so no size or ratio check stops it): the shared-strings count must.

`python -m tests.imports.bombs OUT_DIR` writes them to a folder (docs/imports.md measures them).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _content_types(shared_strings: bool) -> str:
    strings = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
               'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
               if shared_strings else "")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        f'{strings}</Types>')


def _workbook_parts(shared_strings: bool) -> dict[str, str]:
    strings_rel = (f'<Relationship Id="rId2" Type="{DOC_TYPE}/sharedStrings" '
                   'Target="sharedStrings.xml"/>' if shared_strings else "")
    return {
        "[Content_Types].xml": _content_types(shared_strings),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{DOC_TYPE}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            '<sheets><sheet name="people" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
            f'<Relationship Id="rId1" Type="{DOC_TYPE}/worksheet" '
            f'Target="worksheets/sheet1.xml"/>{strings_rel}</Relationships>'),
    }


def _zip(parts: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def dimension_bomb() -> bytes:
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        f'<row r="1">{_inline("A1", "code")}{_inline("B1", "name")}</row>'
        f'<row r="1048576">{_inline("A1048576", "P1")}{_inline("B1048576", "Wang Li")}</row>'
        '</sheetData></worksheet>')
    return _zip({**_workbook_parts(False), "xl/worksheets/sheet1.xml": sheet})


def _strings_sheet() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
            '<dimension ref="A1:B2"/><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
            '</sheetData></worksheet>')


def _shared_strings(texts) -> bytes:
    head = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
            '<si><t>code</t></si><si><t>name</t></si>')
    body = "".join(f"<si><t>{t}</t></si>" for t in texts)
    return (head + body + "</sst>").encode("utf-8")


def shared_strings_bomb() -> bytes:
    """About 157 KB packed, 46 MB of shared strings unpacked (700,000 of them)."""
    strings = _shared_strings(["A" * 50] * 700_000)
    return _zip({**_workbook_parts(True), "xl/worksheets/sheet1.xml": _strings_sheet(),
                 "xl/sharedStrings.xml": strings})


def many_strings_bomb(count: int = 500_000) -> bytes:
    strings = _shared_strings(f"s{n:07d}" for n in range(count))
    return _zip({**_workbook_parts(True), "xl/worksheets/sheet1.xml": _strings_sheet(),
                 "xl/sharedStrings.xml": strings})


if __name__ == "__main__":  # pragma: no cover - a helper for measuring by hand
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    folder.mkdir(parents=True, exist_ok=True)
    for name, build in (("dimension-bomb", dimension_bomb),
                        ("shared-strings-bomb", shared_strings_bomb),
                        ("many-strings-bomb", many_strings_bomb)):
        data = build()
        (folder / f"{name}.xlsx").write_bytes(data)
        print(f"{name}.xlsx: {len(data):,} bytes")
