"""mediation/spreadsheets.py and mediation/bounded_json.py on their own: every limit refuses with
a message naming it (and the row and column), what is within the limits reads as before, and
every exported cell is clean."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mediation import bounded_json, spreadsheets
from mediation.spreadsheets import Limits, SpreadsheetError, clean_cell, read_rows, to_xlsx
from tests.imports.bombs import inline, row, workbook

HEADER = row(1, inline("A1", "code"), inline("B1", "name"))
SAMPLE = Path(__file__).resolve().parent / "data" / "scenario-small.json"


def _refused(data: bytes, match: str, limits: Limits | None = None, name: str = "x.xlsx"):
    with pytest.raises(SpreadsheetError, match=match):
        read_rows(data, name, limits or Limits())


def test_a_workbook_within_the_limits_reads_up_to_its_last_row_with_data():
    data = workbook(HEADER + row(2, inline("A2", "P1"), inline("B2", "Wang"))
                    + row(3, '<c r="XFD3" s="1"/>')  # styled but empty, far right
                    + row(1048576, '<c r="A1048576" s="1"/>'))  # an empty trailing row
    assert read_rows(data, "x.xlsx") == [["code", "name"], ["P1", "Wang"]]


def test_shared_strings_are_read_and_rows_without_r_follow_the_previous_one():
    data = workbook('<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>'
                    '<row><c t="s"><v>2</v></c><c><v>4</v></c></row>',
                    shared=["code", "name", "P1"])
    assert read_rows(data, "x.xlsx") == [["code", "name"], ["P1", 4]]


@pytest.mark.parametrize("sheet, match", [
    (row(2, inline("BI2", "x")), "Row 2, column BI holds data, but a file may have at most 60 "
                                 "columns."),
    (row(20002, inline("A20002", "x")), "Row 20,002 holds data, but a file may have at most "
                                        "20,000 rows below the header"),
    (row(2, inline("B2", "x" * 32768)), "Row 2, column B holds more than 32,767 characters."),
    (row(2, '<c r="C2"><v>' + "9" * 32768 + "</v></c>"), "Row 2, column C holds more than"),
])
def test_a_value_beyond_a_limit_is_refused_naming_row_and_column(sheet, match):
    _refused(workbook(HEADER + sheet), match)


def test_limits_are_settings():
    limits = Limits(max_rows=1, max_columns=1)
    _refused(workbook(HEADER), r"Row 1, column B holds data, but a file may have at most 1 "
                               r"columns\.", limits)
    _refused(workbook(row(1, inline("A1", "code")) + row(3, inline("A3", "P"))),
             "Row 3 holds data, but a file may have at most 1 rows", limits)


def test_the_app_settings_are_the_limits(app):
    app.config["MEDIATION_IMPORT_MAX_COLUMNS"] = 7
    try:
        assert Limits.current().max_columns == 7
    finally:
        app.config["MEDIATION_IMPORT_MAX_COLUMNS"] = 60
    assert Limits.current() == Limits()


@pytest.mark.parametrize("limits, match", [
    (Limits(max_shared_strings=2), "more than 2 different texts"),
    (Limits(max_cell_chars=3), "a text of more than 3 characters, the limit for one cell"),
    (Limits(max_shared_chars=8), "hold more than 8 characters in all"),
])
def test_shared_string_limits(limits, match):
    _refused(workbook(HEADER, shared=["code", "name", "Wang"]), match, limits)


def test_unpacked_size_ratio_and_parts():
    filler = {"xl/media/filler.bin": b"\0" * (2 * 1024 * 1024)}
    data = workbook(HEADER, parts=filler)
    _refused(data, r"part xl/media/filler.bin unpacks to more than 1 MB",
             Limits(max_part_bytes=1024 * 1024))
    _refused(data, r"The workbook unpacks to more than 1.5 MB",
             Limits(max_unpacked_bytes=3 * 512 * 1024))
    _refused(data, "unpacks to more than 100 times its packed size")
    many = {f"xl/media/{n}.bin": b"" for n in range(spreadsheets.MAX_PARTS)}
    _refused(workbook(HEADER, parts=many), "The workbook has more than 1,000 parts")


@pytest.mark.parametrize("data", [
    # An entity bomb: no part of a workbook has a document type declaration.
    workbook(HEADER, extra='<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'),
    workbook(row(1, '<c r="1A"><v>1</v></c>')),
    workbook('<row r="x1"><c><v>1</v></c></row>'),
    workbook("<row><c>"),
    b"PK\x03\x04" + b"\0" * 100,
])
def test_malformed_workbooks_are_unreadable_not_errors(data):
    _refused(data, "The file is not a readable XLSX workbook.")


def test_the_time_budget():
    _refused(workbook(HEADER), "Reading the file took longer than 1e-09 seconds",
             Limits(max_seconds=1e-9))


def test_csv_limits():
    limits = Limits(max_rows=2, max_columns=2, max_cell_chars=5)
    assert read_rows(b"code,name,,\nP1,Wang\n,\n\n", "x.csv", limits) == [["code", "name"],
                                                                          ["P1", "Wang"]]
    _refused(b"code,name\nP1,Wang,x\n", "Row 2, column C holds data, but a file may have at "
                                        "most 2 columns", limits, "x.csv")
    _refused(b"code,name\nP1,Wang\nP2,Li\nP3,Zhou\n", "Row 4 holds data", limits, "x.csv")
    _refused(b"code,name\nP1,Wang Li\n", "Row 2, column B holds more than 5 characters",
             limits, "x.csv")
    _refused(b'code\n"' + b"x" * 140_000 + b'"\n', "Row 2 holds more than 32,767 characters in "
                                                   "one cell", name="x.csv")


def test_clean_cell_drops_what_xml_cannot_hold_then_neutralises():
    assert clean_cell("Wages\x07 site\x1b 3") == "Wages site 3"
    assert clean_cell("\x07=1+1") == "'=1+1"
    assert clean_cell("@SUM(A1)") == "'@SUM(A1)"
    assert clean_cell("tab\tand\nnewline") == "tab\tand\nnewline"
    assert clean_cell(3) == 3 and clean_cell(None) is None
    data = to_xlsx(["title\x00"], [["a\x07b"], [5]])
    assert list(load_workbook(io.BytesIO(data)).active.values) == [("title",), ("ab",), (5,)]


# --- bounded JSON -------------------------------------------------------------------------------


def test_a_scenario_reads_as_json_reads_it():
    text = SAMPLE.read_bytes()
    assert bounded_json.loads(text) == json.loads(text)
    assert bounded_json.loads(b"\xef\xbb\xbf" + text) == json.loads(text)


@pytest.mark.parametrize("text, value", [
    ("[" * 32 + "]" * 32, None),
    ('{"a": 2147483647, "b": -2147483647, "c": 1.5e9}', {"a": 2147483647, "b": -2147483647,
                                                         "c": 1.5e9}),
    ('"\\ud83d\\ude00 \\t"', "\U0001f600 \t"),  # a surrogate pair is one character
])
def test_json_within_the_bounds(text, value):
    result = bounded_json.loads(text)
    if value is not None:
        assert result == value


@pytest.mark.parametrize("text, match", [
    ("[" * 33 + "]" * 33, "nested more than 32 levels deep"),
    ("[" * 100_000 + "]" * 100_000, "nested more than 32 levels deep"),
    ("2147483648", "outside ±2,147,483,647"),
    ("1" * 5000, "the number 11111111111111111…, outside"),
    ("-1e999", "the number -1e999"),
    ("Infinity", "Infinity, which is not a number"),
    ('{"a\\u0000": 1}', "NUL character"),
    ('["\\udc00"]', "lone UTF-16 surrogate"),
    ("{", "The file is not JSON."),
])
def test_json_beyond_the_bounds(text, match):
    with pytest.raises(bounded_json.UnusableJSON, match=match):
        bounded_json.loads(text)
    with pytest.raises(bounded_json.UnusableJSON):
        bounded_json.loads(text.encode("utf-8", "surrogatepass"))


def test_json_bytes_that_are_not_utf8():
    with pytest.raises(bounded_json.NotJSON):
        bounded_json.loads(b'{"a": "\xff"}')
