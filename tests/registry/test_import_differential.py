"""Differential tests: workbooks written by openpyxl and by LibreOffice (.xlsx, .xls, .ods) with random content;
the importer's values must equal what the writer put in, cell for cell."""
import random
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from tests.registry.libreoffice import convert
from tests.registry.test_import_fidelity import cells

SCRIPTS = ["Yohanes Benu", "Ñoño Gonçalves", "Μαρία", "Иван", "محمد", "王小明", "ฮานา", "Ẓaqāʾ", "कुपांग", "🙂 emoji"]
ESCAPE_LIKE = ["_x000D_", "_x0041_", "_x005F_", "a_x00", "_x12345_", "__x0009__"]
CONTROL = ["\t", "\r", "\x01", "\x1f", "\x0b"]
ROWS, COLUMNS = 30, 8
EXCEL_LEAP = datetime(1900, 3, 1)


def excel_escape(text):
    """How Excel writes text: a literal `_xHHHH_` gets its underscore escaped, control characters and CR escaped."""
    text = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", text)
    return "".join(f"_x{ord(char):04X}_" if (ord(char) < 32 and char != "\n") else char for char in text)


def random_text(rng, controls):
    parts = [rng.choice(SCRIPTS), rng.choice(ESCAPE_LIKE), str(rng.randint(0, 999)).zfill(rng.randint(1, 6)),
             "\n", " dua  spasi"]
    if controls:
        parts.append(rng.choice(CONTROL))
    rng.shuffle(parts)
    return "".join(parts[: rng.randint(1, len(parts))]).strip(" ") or "x"


def random_value(rng, date1904, controls):
    """(value to write, value expected back)."""
    kind = rng.choice(["text", "digits", "int", "float", "date", "early", "rich"])
    if kind == "text":
        text = random_text(rng, controls)
        return excel_escape(text), text
    if kind == "digits":  # a NIK-like number typed as text, leading zeros kept
        text = str(rng.randint(0, 10**16 - 1)).zfill(16)
        return text, text
    if kind == "int":
        number = rng.randint(-10**12, 10**12)
        return number, number
    if kind == "float":
        number = rng.randint(-10**6, 10**6) / 100
        return number, (int(number) if number.is_integer() else number)
    if kind == "early" and not date1904:  # before Excel's phantom 29-02-1900
        day = datetime(1900, 1, 1) + timedelta(days=rng.randint(0, 58))
        return day, day
    if kind in ("date", "early"):
        day = datetime(1905 if date1904 else 1900, 3, 1) + timedelta(days=rng.randint(0, 45000))
        return day, day
    words = [rng.choice(SCRIPTS), " ", rng.choice(["Raya", "No. 12", "RT 003"])]
    rich = CellRichText([TextBlock(InlineFont(b=True), words[0]), words[1], TextBlock(InlineFont(i=True), words[2])])
    return rich, "".join(words)


def random_workbook(path, seed, date1904=False, controls=True):
    """A random sheet plus a merged range; returns {(row, column): expected value}."""
    rng = random.Random(seed)
    book = Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    expected = {}
    for row in range(1, ROWS + 1):
        for column in range(COLUMNS):
            if rng.random() < 0.15:
                continue
            written, value = random_value(rng, date1904, controls)
            cell = sheet.cell(row, column + 1, written)
            if isinstance(written, datetime):
                cell.number_format = "dd/mm/yyyy"
            elif isinstance(written, str):
                cell.data_type = "s"
            expected[(row, column)] = value
    sheet.merge_cells(start_row=ROWS + 2, start_column=1, end_row=ROWS + 3, end_column=3)
    sheet.cell(ROWS + 2, 1, "Judul gabungan")
    expected[(ROWS + 2, 0)] = "Judul gabungan"
    book.save(path)
    return expected


SEEDS = [(11, False), (12, False), (13, True)]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """Random workbooks from openpyxl (with control characters) and for LibreOffice (without: see below)."""
    folder = tmp_path_factory.mktemp("differential")
    made = {}
    for seed, date1904 in SEEDS:
        made[("openpyxl", seed)] = (folder / f"py{seed}.xlsx", random_workbook(folder / f"py{seed}.xlsx", seed,
                                                                                date1904))
        # LibreOffice drops tabs from .ods text and turns CR into LF, so its inputs hold no control characters.
        made[("lo", seed)] = (folder / f"lo{seed}.xlsx", random_workbook(folder / f"lo{seed}.xlsx", seed, date1904,
                                                                          controls=False))
    sources = [made[("lo", seed)][0] for seed, _ in SEEDS]
    for fmt in ("xls", "ods", "xlsx"):
        for seed_index, path in enumerate(convert(sources, fmt, folder / fmt)):
            seed = SEEDS[seed_index][0]
            expected = made[("lo", seed)][1]
            made[(fmt, seed)] = (path, lo_holds(expected) if fmt == "ods" else expected)
    return made


def lo_holds(expected):
    """What LibreOffice writes into an .ods for the values of the .xlsx it read.

    LibreOffice reads an .xlsx serial before 61 without Excel's phantom 29-02-1900, so the date it holds
    (and writes as office:date-value) is one day earlier than Excel's; in .xls and .xlsx it writes the same
    serial back. The importer reads what each file holds.
    """
    return {key: value - timedelta(days=1) if isinstance(value, datetime) and value < EXCEL_LEAP else value
            for key, value in expected.items()}


@pytest.mark.parametrize(("seed", "date1904"), SEEDS)
@pytest.mark.parametrize("writer", ["openpyxl", "xlsx", "xls", "ods"])
def test_importer_reads_what_the_writer_put_in(workbooks, writer, seed, date1904):
    path, expected = workbooks[(writer, seed)]
    fmt = "xlsx" if writer == "openpyxl" else writer
    got = cells(path, fmt)
    differences = {key: (got.get(key), value) for key, value in expected.items() if got.get(key) != value}
    extra = {key: value for key, value in got.items() if key not in expected}
    assert differences == {} and extra == {}
    assert len(expected) > 150
