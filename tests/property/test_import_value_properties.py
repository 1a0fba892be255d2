"""Properties of the import's cell normalisers: any cell gives a value or a clear problem, never a crash."""
import re
from datetime import date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kupang.registry.importer.columns import match_header
from kupang.registry.importer.normalise import read_row
from kupang.registry.importer.plan import Context
from kupang.registry.importer.values import (
    CODE_TABLES,
    ValueProblem,
    number_input,
    parse_date,
    parse_text,
    parse_unit,
    split_place_date,
    split_unit_pair,
    whole_number,
)

from .strategies import ANY_CELL, nik_parts

TODAY = date(2026, 11, 27)
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember"]
HEADER = ["NIK", "No KK", "Nama Lengkap", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir", "Agama", "RT", "RW",
          "Status Perkawinan", "Pendidikan", "Pekerjaan", "Golongan Darah", "SHDK", "Alamat"]
BIRTH_DATES = st.dates(min_value=date(1880, 1, 1), max_value=TODAY)


def answer(function, *args):
    """('ok', value) or ('problem', message): ValueProblem is the only failure a normaliser may raise."""
    try:
        return "ok", function(*args)
    except ValueProblem as problem:
        assert str(problem), "a problem without a message"
        return "problem", str(problem)


@pytest.mark.parametrize("field", sorted(CODE_TABLES))
@given(raw=ANY_CELL)
def test_code_tables_answer_any_cell(field, raw):
    table = CODE_TABLES[field]
    outcome, value = answer(table.parse, raw)
    if outcome == "ok":
        assert value is None or value in {*table.numbers.values(), *table.words.values()}


@pytest.mark.parametrize("field", sorted(CODE_TABLES))
@given(data=st.data())
def test_code_tables_read_back_their_own_labels_and_numbers(field, data):
    table = CODE_TABLES[field]
    number, code = data.draw(st.sampled_from(sorted(table.numbers.items(), key=str)))
    label = table.label(code)
    spelled = data.draw(st.sampled_from([label, label.upper(), label.lower(), f"  {label} ", label.replace(" ", "  ")]))
    assert table.parse(spelled) == code
    for cell in (number, str(number), f"{number}.0", float(number), f"0{number}"):
        assert table.parse(cell) == code


@given(ANY_CELL, st.integers(min_value=1, max_value=200))
def test_parse_text_is_trimmed_single_spaced_and_bounded(raw, limit):
    outcome, value = answer(parse_text, raw, limit, "Nama")
    if outcome == "ok" and value is not None:
        assert value == value.strip() and "  " not in value and not re.search(r"[\t\n\r]", value)
        assert 0 < len(value) <= limit
        assert parse_text(value, limit, "Nama") == value
    if outcome == "problem" and isinstance(raw, str) and len(" ".join(raw.split())) > limit:
        assert value == f"Nama terlalu panjang ({len(' '.join(raw.split()))} karakter, maksimal {limit})."


@given(ANY_CELL)
@example("RT 000")
@example("٣")
def test_parse_unit_gives_three_ascii_digits_or_a_problem(raw):
    outcome, value = answer(parse_unit, raw, "RT")
    if outcome == "ok" and value is not None:
        assert re.fullmatch(r"[0-9]{3}", value) and value != "000"
    if outcome == "problem":
        assert value == "RT harus berupa angka 1 sampai 999."


@given(st.integers(min_value=1, max_value=999), st.data())
def test_parse_unit_reads_every_way_a_unit_is_written(number, data):
    cell = data.draw(st.sampled_from([number, float(number), str(number), f"{number:03d}", f"RT {number}",
                                      f"rt.{number:03d}", f"RW{number}", f" {number} ", f"{number}.0"]))
    assert parse_unit(cell, "RT") == f"{number:03d}"


@given(ANY_CELL)
@example("29/02/2023")
@example("13/13/2000")
@example(80001)
def test_parse_date_gives_a_plausible_birth_date_or_a_problem(raw):
    outcome, value = answer(parse_date, raw, TODAY)
    if outcome == "ok" and value is not None:
        assert isinstance(value, date) and date(1880, 1, 1) <= value <= TODAY


@given(BIRTH_DATES, st.data())
def test_parse_date_reads_every_way_a_date_is_written(when, data):
    cell = data.draw(st.sampled_from([
        when, datetime.combine(when, datetime.min.time()), f"{when:%d/%m/%Y}", f"{when.day}-{when.month}-{when.year}",
        f"{when:%d.%m.%Y}", when.isoformat(), f"{when.isoformat()} 00:00:00", f"{when.day} {BULAN[when.month - 1]} "
        f"{when.year}", f"{when.day:02d} {BULAN[when.month - 1][:3]}. {when.year}"]))
    assert parse_date(cell, TODAY) == when


def _excel_serial_of(when, date1904):
    """Excel's own day number of a date, computed from its documented rule rather than from the importer's epochs:
    the 1904 system counts from 1 January 1904 = 0; the 1900 system has 1 January 1900 = 1 and also counts a
    29 February 1900 that never was (day 60), so every day from 1 March 1900 on is one higher."""
    if date1904:
        return (when - date(1904, 1, 1)).days
    days = (when - date(1899, 12, 31)).days
    return days + 1 if when >= date(1900, 3, 1) else days


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.booleans())
@example(date(1900, 1, 1), False)
@example(date(1900, 2, 28), False)
@example(date(1900, 3, 1), False)
def test_excel_serial_numbers_are_days_since_the_workbook_epoch(when, date1904):
    serial = _excel_serial_of(when, date1904)
    if serial < 1:
        return
    for cell in (serial, float(serial)) + ((str(serial),) if serial >= 1000 else ()):
        assert answer(parse_date, cell, TODAY, date1904) == ("ok", when)


def test_excels_phantom_leap_day_is_a_problem_not_a_neighbour():
    outcome, message = answer(parse_date, 60, TODAY, False)
    assert outcome == "problem" and "29-02-1900" in message
    assert answer(parse_date, 59, TODAY, False) == ("ok", date(1900, 2, 28))
    assert answer(parse_date, 61, TODAY, False) == ("ok", date(1900, 3, 1))


@given(BIRTH_DATES.filter(lambda d: d < TODAY))
def test_a_date_after_today_is_refused(when):
    future = TODAY + (TODAY - when)
    assert answer(parse_date, future, TODAY) == ("problem", "Tanggal lahir tidak boleh setelah hari ini.")


@given(ANY_CELL)
def test_splitters_answer_any_cell(raw):
    for splitter in (split_unit_pair, split_place_date):
        outcome, value = answer(splitter, raw)
        if outcome == "ok":
            assert isinstance(value, tuple) and len(value) == 2


@given(ANY_CELL)
def test_whole_number_is_an_int_or_none(raw):
    value = whole_number(raw)
    assert value is None or (isinstance(value, int) and not isinstance(value, bool))


@given(nik_parts(max_birth=TODAY))
def test_an_intact_number_cell_keeps_its_nik(parts):
    digits = parts[0]
    value, was_number = number_input(int(digits))
    if digits.endswith("0") or digits.startswith("0") or int(digits) >= 2**53:
        # A spreadsheet may have cut it (or a float cannot hold it): left as a number for nik.py to refuse.
        assert value == int(digits) and was_number
    else:
        assert (value, was_number) == (digits, True)
    assert number_input(digits) == (digits, False)


@given(st.lists(ANY_CELL, min_size=len(HEADER), max_size=len(HEADER)))
def test_any_row_is_read_without_a_crash_and_without_showing_a_number(values):
    header = match_header(HEADER, 1)
    row = read_row(2, values, header, Context(today=TODAY))
    if row is None:
        return
    assert row.status in (None, "rejected")
    assert row.nik is None or re.fullmatch(r"[0-9]{16}", row.nik)
    assert row.kk is None or re.fullmatch(r"[0-9]{16}", row.kk)
    for level, _column, message in row.issues or ():
        assert level in ("error", "warning") and message
        assert not re.search(r"\d{16}", message), message
    assert row.rejected == any(level == "error" for level, _c, _m in row.issues or ())
