"""Hostile XLSX files, built by hand (zipfile), as they were found in the attack on the app
(issue #15, finding 1). Each is a small upload that costs an unbounded reader gigabytes:

* `dimension_bomb()`: 1.8 KB; the sheet declares `<dimension ref="A1:XFD1048576"/>` and has rows
  1 and 1048576. openpyxl's read-only reader pads every row to the declared 16,384 columns and
  every missing row in between: 38 s and 2.7 GB for one upload.
* `shared_strings_bomb()`: 157 KB; 700,000 equal shared strings (46 MB), which zip packs about
  300 to one: openpyxl holds them all in a list before the first row is read.
* `many_strings_bomb()`: 500,000 different short shared strings (12 MB unpacked, packed like
  ordinary text, so no size or ratio check stops it): the shared-strings count must.

`python -m tests.imports.bombs [FOLDER]` writes them to FOLDER (default instance/bombs) and reads
each with the import parser in a fresh process, printing seconds and peak RSS (docs/imports.md).
"""

from __future__ import annotations

import io
import subprocess  # nosec B404 - runs this interpreter on a file it wrote, by hand only
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


def workbook(sheet_data: str, shared: list[str] | None = None, extra: str = "",
             parts: dict[str, str | bytes] | None = None) -> bytes:
    """A minimal workbook whose first sheet holds `sheet_data` (the rows' XML), `extra` before
    `<worksheet>` (a DTD, say), and the given shared strings."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?>{extra}<worksheet xmlns="{MAIN}">'
             f'<sheetData>{sheet_data}</sheetData></worksheet>')
    built: dict[str, str | bytes] = {**_workbook_parts(shared is not None),
                                     "xl/worksheets/sheet1.xml": sheet}
    if shared is not None:
        built["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
            + "".join(f"<si><t>{t}</t></si>" for t in shared) + "</sst>")
    return _zip({**built, **(parts or {})})


def row(number: int, *cells: str) -> str:
    """`row(2, inline("A2", "P1"), …)`"""
    return f'<row r="{number}">{"".join(cells)}</row>'


def inline(ref: str, text: str) -> str:
    return _inline(ref, text)


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


def ordinary_cases(rows: int = 20_000) -> bytes:
    """An honest file at the row limit: 20,000 cases in the 19 import columns (1.5 MB packed,
    21 MB unpacked), to measure what the bounds cost a real import."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("cases")
    sheet.append(["reference", "title", "category", "region", "registered_on", "accepted_on",
                  "due_by", "earliest", "priority", "attendees", "needs_counsellor",
                  "repeat_count", "required_expertise", "respondents", "parties",
                  "responsible_leader", "party_id_numbers", "party_phones", "late_reason"])
    for n in range(rows):
        sheet.append([f"2026-{n:05d}", f"拖欠工资纠纷 第{n}号工地", "unpaid_wages", "city.c0.t3",
                      "2026-11-02", "2026-11-03", "", "", 3, 1, "no", 0, "labour;law",
                      "宁安镇人民政府;某某建设有限公司", f"张三{n};李四{n}", "王局长",
                      "360102199001011234;360102199001011235", "13800000000;13900000000", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Reads one file with the import parser and prints seconds and peak RSS (a fresh process each,
# so one measurement's memory cannot hide another's).
_MEASURE = """
import resource, sys, time
from mediation.imports import services
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    services.parse_table(data, "people.xlsx")
    outcome = "read"
except services.ImportFileError as exc:
    outcome = "refused: " + str(exc)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{seconds:.2f} s, peak RSS {peak:.0f} MB (+{peak - before / 1024:.0f} MB); {outcome[:60]}")
"""


def main(folder: Path) -> None:  # pragma: no cover - measuring by hand (docs/imports.md)
    """Write the bombs to `folder` and read each with the import parser in a fresh process."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, build in (("dimension-bomb", dimension_bomb),
                        ("shared-strings-bomb", shared_strings_bomb),
                        ("many-strings-bomb", many_strings_bomb),
                        ("ordinary-20000-cases", ordinary_cases)):
        path = folder / f"{name}.xlsx"
        data = build()
        path.write_bytes(data)
        run = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True,
                             text=True, check=False)
        result = (run.stdout or run.stderr).strip().splitlines()[-1:]
        print(f"{name}.xlsx ({len(data):,} bytes): {' '.join(result)}")


if __name__ == "__main__":  # pragma: no cover
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "instance/bombs"))
