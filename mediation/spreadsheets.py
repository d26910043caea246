"""Spreadsheets in and out, with bounds: CSV and XLSX read without letting a file decide how much
memory or time it takes, and CSV/XLSX written so that no stored text can break the file or run
as a formula.

Reading (`read_rows`) refuses with `SpreadsheetError`, whose message names the limit (and the row
and column where there is one). The limits are settings (`Limits.current()`, README
"Configuration"; docs/imports.md explains them and the measured cost of hostile files):

* the file itself: `MEDIATION_IMPORT_MAX_BYTES`;
* an XLSX is a zip: before anything parses it, its table of contents is checked (number of
  parts, each part's and all parts' unpacked size, each large part's compression ratio), then
  the shared strings are counted while streaming (how many, their total length, each one's
  length), then the first sheet's XML is streamed once: rows and cells are located by their own
  `r` attributes (the declared `<dimension>` is never used), and a value beyond the row or column
  limit, or longer than the cell limit, refuses the file. Only then does openpyxl read the
  values, in read-only mode, up to the last row that holds data and no wider than the column
  limit;
* a CSV: the same rows, columns and cell length;
* a time budget (`MEDIATION_IMPORT_MAX_SECONDS`) checked while reading, as a last resort.

Writing (`to_csv`, `to_xlsx`) passes every cell through `clean_cell`: control characters that
XML 1.0 cannot hold are dropped (openpyxl would raise `IllegalCharacterError` on them) and a text
a spreadsheet would run as a formula gets a leading quote.
"""

from __future__ import annotations

import csv
import io
import re
import time
import warnings
import zipfile
import zlib
from dataclasses import dataclass, fields
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from flask import current_app, has_app_context, has_request_context
from flask_babel import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.manifest import Manifest
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS
from openpyxl.xml.functions import fromstring

__all__ = ["Limits", "SpreadsheetError", "clean_cell", "decode_text", "neutralise", "read_rows",
           "to_csv", "to_xlsx"]

MB = 1024 * 1024


def _(text: str, **values) -> str:
    """Translated in a request; plain English outside one (the CLI, tests of the service)."""
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read, or is beyond a limit; the message says which."""


@dataclass(frozen=True)
class Limits:
    """What one uploaded spreadsheet may cost. Each field is the setting `MEDIATION_IMPORT_`
    + its name in capitals (`max_rows` ← `MEDIATION_IMPORT_MAX_ROWS`)."""

    max_bytes: int = 5 * MB  # the file as uploaded
    max_rows: int = 20_000  # rows below the header
    max_columns: int = 60
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_unpacked_bytes: int = 64 * MB  # all parts of an XLSX unpacked
    max_part_bytes: int = 48 * MB  # one part unpacked (a 20,000-row sheet is about 21 MB)
    max_ratio: int = 100  # unpacked / packed size of a part over 1 MB (real sheets: 10 to 20)
    max_shared_strings: int = 400_000
    max_shared_chars: int = 10_000_000
    max_seconds: float = 30.0

    @classmethod
    def current(cls) -> Limits:
        """The app's settings; the defaults outside an app."""
        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(**{f.name: config.get(setting(f.name), f.default) for f in fields(cls)})


def setting(name: str) -> str:
    return f"MEDIATION_IMPORT_{name.upper()}"


MAX_PARTS = 1_000  # an import workbook has about ten
RATIO_FROM_BYTES = 1 * MB  # small parts may compress as they like
_CHECK_EVERY = 256  # rows between two looks at the clock


class _Budget:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.count % _CHECK_EVERY == 0:
            self.check()

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise SpreadsheetError(_(
                "Reading the file took longer than %(seconds)s seconds; split it into smaller "
                "files.", seconds=f"{self.seconds:g}"))


def column_letter(number: int) -> str:
    """1 → A, 27 → AA, 16384 → XFD (any positive number, as CSV rows may be wider)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _too_many_rows(row: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(_(
        "Row %(row)s holds data, but a file may have at most %(n)s rows below the header; split "
        "it into smaller files.", row=f"{row:,}", n=f"{limits.max_rows:,}"))


def _too_many_columns(row: int, column: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(_(
        "Row %(row)s, column %(column)s holds data, but a file may have at most %(n)s columns.",
        row=f"{row:,}", column=column_letter(column), n=limits.max_columns))


def _cell_too_long(row: int, column: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(_(
        "Row %(row)s, column %(column)s holds more than %(n)s characters.",
        row=f"{row:,}", column=column_letter(column), n=f"{limits.max_cell_chars:,}"))


# --- reading -------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (Chinese Excel's "CSV" encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SpreadsheetError(_(
            "The file is neither UTF-8 nor GB18030 text. Save it as \"CSV UTF-8\" and try again."
        )) from None


def is_xlsx(data: bytes, filename: str) -> bool:
    return filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def read_rows(data: bytes, filename: str = "", limits: Limits | None = None) -> list[list]:
    """The rows of a CSV or of an XLSX's first sheet, row 1 first; a row is its values (str
    for CSV; str, numbers, dates, bool or None for XLSX) without trailing empty cells, and
    rows after the last one holding data are left out. Raises `SpreadsheetError`."""
    limits = limits or Limits.current()
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(_("The file is larger than %(mb)s MB; split it into smaller files.",
                                 mb=f"{limits.max_bytes / MB:g}"))
    budget = _Budget(limits.max_seconds)
    if is_xlsx(data, filename):
        return _xlsx_rows(data, limits, budget)
    return _csv_rows(data, limits, budget)


def _trimmed(values) -> list:
    out = list(values)
    while out and (out[-1] is None or out[-1] == ""):
        out.pop()
    return out


def _csv_rows(data: bytes, limits: Limits, budget: _Budget) -> list[list[str]]:
    text = decode_text(data)
    if "\x00" in text:
        raise SpreadsheetError(_("The file is not a CSV text file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    out: list[list[str]] = []
    last_with_data = 0
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    number = 0
    try:
        # The csv module's own field limit (131,072 characters by default) is above
        # max_cell_chars, and the file is at most max_bytes: each row is bounded.
        for number, values in enumerate(reader, start=1):
            budget.tick()
            values = _trimmed(values)
            if not values:
                if number <= limits.max_rows + 1:
                    out.append(values)
                continue
            if number > limits.max_rows + 1:
                raise _too_many_rows(number, limits)
            if len(values) > limits.max_columns:
                raise _too_many_columns(number, len(values), limits)
            for column, value in enumerate(values, start=1):
                if len(value) > limits.max_cell_chars:
                    raise _cell_too_long(number, column, limits)
            out.append(values)
            last_with_data = number
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise SpreadsheetError(_(
                "Row %(row)s holds more than %(n)s characters in one cell.",
                row=f"{number + 1:,}", n=f"{limits.max_cell_chars:,}")) from None
        raise SpreadsheetError(_("The CSV file cannot be read: %(error)s",
                                 error=str(exc))) from None
    return out[:last_with_data]


_UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError,
               IndexError, TypeError, AttributeError, EOFError, zlib.error, ParseError, expat.ExpatError,
               InvalidFileException, NotImplementedError)


def _unreadable() -> SpreadsheetError:
    return SpreadsheetError(_("The file is not a readable XLSX workbook."))


def _xlsx_rows(data: bytes, limits: Limits, budget: _Budget) -> list[list]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _UNREADABLE:
        raise _unreadable() from None
    with archive:
        _check_parts(archive, limits)
        try:
            strings_part = _shared_strings_part(archive)
            if strings_part is not None:
                _check_shared_strings(archive, strings_part, limits, budget)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
                book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                try:
                    if not book.worksheets:
                        raise _unreadable()
                    sheet = book.worksheets[0]
                    # The part openpyxl reads this sheet from (kept by its read-only sheets).
                    last_row = _check_sheet(archive, sheet._worksheet_path, limits, budget)
                    return _sheet_values(sheet, last_row, limits, budget)
                finally:
                    book.close()
        except SpreadsheetError:
            raise
        except _UNREADABLE:  # defusedxml's refusals (a DTD, an entity) are ValueErrors too
            raise _unreadable() from None


def _check_parts(archive: zipfile.ZipFile, limits: Limits) -> None:
    """The zip's table of contents, before any part is unpacked. zipfile never unpacks more than
    a part's declared size (a part that unpacks to more fails its CRC check), so the declared
    sizes bound every later read."""
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise SpreadsheetError(_("The workbook has more than %(n)s parts; save it again from "
                                 "your spreadsheet program.", n=f"{MAX_PARTS:,}"))
    total = 0
    for part in parts:
        name = part.filename[:80]
        if part.file_size > limits.max_part_bytes:
            raise SpreadsheetError(_(
                "The workbook's part %(part)s unpacks to more than %(mb)s MB; split the file "
                "into smaller files.", part=name, mb=f"{limits.max_part_bytes / MB:g}"))
        total += part.file_size
        if total > limits.max_unpacked_bytes:
            raise SpreadsheetError(_(
                "The workbook unpacks to more than %(mb)s MB; split it into smaller files.",
                mb=f"{limits.max_unpacked_bytes / MB:g}"))
        if part.file_size > RATIO_FROM_BYTES and \
                part.file_size > limits.max_ratio * max(part.compress_size, 1):
            raise SpreadsheetError(_(
                "The workbook's part %(part)s unpacks to more than %(ratio)s times its packed "
                "size, as only a crafted file does; save it again from your spreadsheet program.",
                part=name, ratio=limits.max_ratio))


def _shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared strings part, found as openpyxl finds it (the content types manifest)."""
    manifest = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    found = manifest.find(SHARED_STRINGS)
    return found.PartName[1:] if found is not None else None


_CHUNK = 64 * 1024


class _Scan:
    """One XML part streamed through expat with handlers: no tree is built, so memory stays flat
    whatever the part holds, and the clock is looked at between chunks. A document type
    declaration (where entity bombs live) is refused: no part of a workbook has one."""

    def __init__(self, budget: _Budget):
        self.budget = budget
        self._names: dict[str, str] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:  # pragma: no cover - overridden
        pass

    def end(self, name: str) -> None:  # pragma: no cover - overridden
        pass

    def text(self, data: str) -> None:  # pragma: no cover - overridden
        pass

    def _local(self, name: str) -> str:
        local = self._names.get(name)
        if local is None:  # "namespace local-name" → local-name
            local = self._names[name] = name.rsplit(" ", 1)[-1]
        return local

    def run(self, archive: zipfile.ZipFile, part: str) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = lambda name, attrs: self.start(self._local(name), attrs)
        parser.EndElementHandler = lambda name: self.end(self._local(name))
        parser.CharacterDataHandler = self.text
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_doctype
        with archive.open(part) as source:
            while chunk := source.read(_CHUNK):
                self.budget.check()
                parser.Parse(chunk, False)
            parser.Parse(b"", True)


def _refuse_doctype(*_args) -> None:
    raise _unreadable()


class _SharedStrings(_Scan):
    """Counts the shared strings (`<si>`) and their length (the text of their `<t>` runs)."""

    def __init__(self, budget: _Budget, limits: Limits):
        super().__init__(budget)
        self.limits = limits
        self.count = self.total = self.length = 0
        self.in_text = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "t":
            self.in_text = True
        elif name == "si":
            self.length = 0

    def text(self, data: str) -> None:
        if self.in_text:
            self.length += len(data)

    def end(self, name: str) -> None:
        if name == "t":
            self.in_text = False
        elif name == "si":
            limits = self.limits
            self.count += 1
            self.total += self.length
            if self.count > limits.max_shared_strings:
                raise SpreadsheetError(_(
                    "The workbook holds more than %(n)s different texts (shared strings); split "
                    "it into smaller files.", n=f"{limits.max_shared_strings:,}"))
            if self.length > limits.max_cell_chars:
                raise SpreadsheetError(_(
                    "The workbook holds a text of more than %(n)s characters, the limit for one "
                    "cell.", n=f"{limits.max_cell_chars:,}"))
            if self.total > limits.max_shared_chars:
                raise SpreadsheetError(_(
                    "The workbook's texts (shared strings) hold more than %(n)s characters in "
                    "all; split it into smaller files.", n=f"{limits.max_shared_chars:,}"))


def _check_shared_strings(archive: zipfile.ZipFile, part: str, limits: Limits,
                          budget: _Budget) -> None:
    _SharedStrings(budget, limits).run(archive, part)


_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise _unreadable()
    return int(text)


class _Sheet(_Scan):
    """Places rows and cells by their own `r` attributes (or after the previous one), never by
    the declared dimension; a cell holds data when its value (`<v>`) or inline text (`<t>`)
    is not blank. Keeps the number of the last row holding data."""

    def __init__(self, budget: _Budget, limits: Limits):
        super().__init__(budget)
        self.limits = limits
        self.row = self.column = self.last_row = 0
        self.length = 0
        self.has_value = self.in_value = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name in ("v", "t"):
            self.in_value = True
        elif name == "c":
            ref = attrs.get("r")
            if ref is not None:
                match = _CELL_REF.fullmatch(ref.upper())
                if match is None:
                    raise _unreadable()
                self.column = _column_number(match.group(1))
            else:
                self.column += 1
            self.length, self.has_value = 0, False
        elif name == "row":
            ref = attrs.get("r")
            self.row = _number(ref) if ref is not None else self.row + 1
            self.column = 0

    def text(self, data: str) -> None:
        if self.in_value:
            self.length += len(data)
            self.has_value = self.has_value or not data.isspace()

    def end(self, name: str) -> None:
        if name in ("v", "t"):
            self.in_value = False
        elif name == "c" and self.has_value:
            limits, row, column = self.limits, self.row, self.column
            if row > limits.max_rows + 1:
                raise _too_many_rows(row, limits)
            if column > limits.max_columns:
                raise _too_many_columns(row, column, limits)
            if self.length > limits.max_cell_chars:
                raise _cell_too_long(row, column, limits)
            self.last_row = max(self.last_row, row)


def _check_sheet(archive: zipfile.ZipFile, part: str, limits: Limits, budget: _Budget) -> int:
    """Stream the sheet's XML once; return the number of the last row holding data."""
    sheet = _Sheet(budget, limits)
    sheet.run(archive, part)
    return sheet.last_row


def _sheet_values(sheet, last_row: int, limits: Limits, budget: _Budget) -> list[list]:
    """Row 1 to `last_row` (checked above: within the limits), no wider than the column limit.
    The rows' extent is given, so openpyxl pads nothing to the declared dimension, and the loop
    stops at the last row rather than letting openpyxl parse what follows the rows."""
    sheet.reset_dimensions()
    out: list[list] = []
    if last_row == 0:
        return out
    for number, values in enumerate(sheet.iter_rows(min_row=1, max_row=last_row, min_col=1,
                                                    max_col=limits.max_columns,
                                                    values_only=True), start=1):
        budget.tick()
        out.append(_trimmed(values))
        if number >= last_row:
            break
    return out


# --- writing -------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def clean_cell(value: object) -> object:
    """What every exported cell goes through: no character XML 1.0 cannot hold (openpyxl raises
    `IllegalCharacterError` on them: a title holding a BEL would fail the whole export), and
    no formula a spreadsheet would run."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)


def to_csv(header: list[str], rows: list[list[object]]) -> bytes:
    """UTF-8 with BOM (Excel opens it correctly), every cell cleaned."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([clean_cell(v) for v in header])
    for row in rows:
        writer.writerow([clean_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: list[str], rows: list[list[object]], title: str = "export") -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([clean_cell(v) for v in header])
    for row in rows:
        sheet.append([clean_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
