"""Real-world files from public test suites (tests/fixtures/spreadsheets/README.md): every cell as stated."""
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from kupang.registry.importer.readers import open_source

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
D, T = datetime, time


def sheets(name):
    """{sheet name: [(row number, values), ...]} of a corpus file, as the importer reads it."""
    path = CORPUS / name
    source = open_source(str(path), {".xlsx": "xlsx", ".xls": "xls", ".ods": "ods"}[path.suffix])
    try:
        return {sheet: list(source.rows(index)) for index, sheet in enumerate(source.sheet_names())}
    finally:
        source.close()


EXPECTED = {
    "merged-cell-sheet.xls": {"Sheet1": [(1, [1, 2, 3]), (2, [None, 5, 6]), (3, [None, 8, 9]), (4, [10, 11])],
                              "Sheet2": [], "Sheet3": []},
    "complex-merged-cells-sheet.xls": {"Sheet1": [
        (1, [1, None, 2, 3, 15, 16, 22, None, 24]), (2, [None, None, 4, 5, None, 17]), (3, [6, 7, 8, 9, None, 18]),
        (4, [10, 11, None, 12, 19, None, 23]), (5, [13, None, None, 14, 20]), (6, [21]), (7, [25])],
        "Sheet2": [], "Sheet3": []},
    "date_field.xls": {"Sheet1": [
        (1, ["Date", "Time"]), (2, [D(2014, 12, 25), T(11, 11, 11)]), (3, [D(2014, 12, 26), T(12, 12, 12)]),
        (4, [D(2015, 1, 1), T(13, 13, 13)]), (5, [T(0, 0), T(0, 0)])], "Sheet2": [], "Sheet3": []},
    "test-date-format.xls": {"Sheet1": [(1, [D(2015, 11, 11, 11, 12)])], "Sheet2": [], "Sheet3": []},
    "file_with_an_empty_sheet.xls": {"Sheet1": [(1, [1, 2, 3]), (2, [4, 5, 6])], "Sheet2": [],
                                     "Sheet3": [(1, [7, 8, 9]), (2, [10, 11, 12])]},
    "file_with_an_empty_sheet.ods": {"Sheet1": [(1, [1, 2, 3]), (2, [4, 5, 6])], "Sheet2": [],
                                     "Sheet3": [(1, [7, 8, 9]), (2, [10, 11, 12])]},
    "hidden_sheets.xls": {"shown": [(1, ["A", "B"])], "hidden": [(1, ["a", "b"])]},
    "complex_hidden_sheets.xls": {"Sheet1": [
        (1, [1, "hidden", 3, "Hidden 2", 5, "Hidden 3", 7, "Hidden 5", 9]), (2, ["hidden", 1, 2, 3, 4, 5, 6, 7, 8]),
        (3, [31, 32, 33, 34, 35, 36, 37, 38, 39]), (4, ["hidden", 1, 2, 3, 4, 5, 6, 7]),
        (5, ["hidden", 1, 2, 3, 4, 5, 67, 8]), (6, [61, 62, 63, 64, 65, 66, 67, 68])]},
    "pyexcel_issue_151.xlsx": {"\u041b\u0438\u0441\u04421": [(1, ["#N/A", "zzzz1234"])]},
    "ods_formats.ods": {"Sheet1": [
        (1, ["Date", "Time", "Boolean", "Float", "Currency", "Percentage", "Int", "Scientific", "Fractions", "Text"]),
        (2, [D(2014, 11, 11), T(11, 12, 12), True, 11.11, 1, 2, 3, 100000, 1.25, "abc"]),
        (3, [D(2001, 1, 1), T(0, 0, 12), False, None, -10000]), (4, [None, 0]),
        (5, [None, timedelta(hours=27, minutes=17, seconds=54), None, None, None, None, 11]), (6, [None, "Other"])],
        "Sheet2": [], "Sheet3": []},
    "12_day_as_time.ods": {"Sheet1": [(1, [timedelta(days=12)])], "Sheet2": [], "Sheet3": []},
    "multilineods.ods": {"Sheet1": [(1, ["1\n2\n3\n4"]), (2, ["Line 1\n\nLine 2"])], "Sheet2": [], "Sheet3": []},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_reads_as_stated(name):
    assert sheets(name) == EXPECTED[name]


def test_every_corpus_file_is_covered_and_the_corpus_stays_small():
    files = {path.name for path in CORPUS.iterdir() if path.suffix in (".xls", ".xlsx", ".ods")}
    assert files == set(EXPECTED)
    assert sum(path.stat().st_size for path in CORPUS.iterdir()) < 300 * 1024
