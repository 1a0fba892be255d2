"""Properties of NIK/KK checking and masking: any input is answered, never crashes, never leaks a number."""
import re
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from kupang.registry.masking import mask_nik
from kupang.registry.nik import (
    EXCEL_MESSAGE,
    NumberCheck,
    check_kk,
    check_nik,
    looks_mangled_by_excel,
    normalise_number,
)

from .strategies import ANY_CELL, nik_parts, typed

TODAY = date(2026, 11, 27)
SIXTEEN_DIGITS = re.compile(r"\d{16}")
OLDEST = date(TODAY.year - 99, 1, 1)


def assert_well_formed(check):
    """What every caller may rely on: a 16 ASCII-digit value or None, messages that hide the number."""
    assert isinstance(check, NumberCheck)
    assert check.value is None or (len(check.value) == 16 and check.value.isascii() and check.value.isdigit())
    assert check.ok == (not check.errors)
    if check.errors:
        assert check.value is None and check.birth_date is None and check.sex is None
    for message in check.errors + check.warnings:
        assert isinstance(message, str) and message
        assert not SIXTEEN_DIGITS.search(message), message
    assert not SIXTEEN_DIGITS.search(check.masked)


@given(ANY_CELL)
@example("²" * 16)  # superscript digits pass str.isdigit() but not int()
@example("٥٣٧١٠٥١٢٠٣٩٠٠٠١٢")  # Arabic-Indic digits
@example("5.37105E+15")
@example(5371051203900001)
def test_check_nik_answers_any_input(raw):
    check = check_nik(raw, reference_date=TODAY)
    assert_well_formed(check)
    if check.value is not None:
        assert check.birth_date is not None and check.birth_date <= TODAY
        assert check.sex in (1, 2)


@given(ANY_CELL)
@example("²" * 16)
@example("٥٣٧١٠٥١٢٠٣٩٠٠٠١٢")
def test_check_kk_answers_any_input(raw):
    assert_well_formed(check_kk(raw))


@given(nik_parts(min_birth=OLDEST, max_birth=TODAY), st.data())
def test_a_well_formed_nik_reads_back_its_parts_however_it_is_typed(parts, data):
    digits, birth, sex = parts
    check = check_nik(data.draw(typed(digits)), reference_date=TODAY)
    assert check.ok, check.errors
    assert (check.value, check.birth_date, check.sex) == (digits, birth, sex)
    assert check.masked == digits[:6] + "******" + digits[12:]


@given(nik_parts(min_birth=OLDEST, max_birth=TODAY), st.sampled_from([1, 2]))
def test_recorded_sex_is_compared_with_the_nik(parts, recorded):
    digits, _birth, sex = parts
    check = check_nik(digits, sex=recorded, reference_date=TODAY)
    differs = [w for w in check.warnings if w.startswith("Jenis kelamin menurut NIK")]
    assert check.ok and len(differs) == (recorded != sex)


@given(nik_parts(min_birth=OLDEST, max_birth=TODAY))
def test_serial_0000_is_always_refused(parts):
    digits = parts[0][:12] + "0000"
    check = check_nik(digits, reference_date=TODAY)
    assert "Nomor urut NIK (4 digit terakhir) tidak boleh 0000." in check.errors
    assert check.value is None


@given(st.text("0123456789", min_size=1, max_size=30).filter(lambda d: len(d) != 16), st.data())
def test_wrong_length_is_refused_with_the_count(digits, data):
    for check_number, label in ((lambda raw: check_nik(raw, reference_date=TODAY), "NIK"), (check_kk, "Nomor KK")):
        raw = data.draw(typed(digits))
        if looks_mangled_by_excel(raw):  # '123456.0' reads as a number cell turned back into text
            expected = EXCEL_MESSAGE.format(label=label)
        else:
            expected = f"{label} harus 16 digit angka; yang diisi {len(digits)} digit."
        assert check_number(raw).errors == [expected]


@given(ANY_CELL)
def test_normalise_number_only_removes_separators(raw):
    result = normalise_number(raw)
    if raw is None:
        assert result is None
        return
    assert result is None or (result and not re.search(r"[\s.\-_]", result))
    kept = [c for c in str(raw) if not (c.isspace() or c in ".-_\u00a0\u2007\u202f\ufeff")]
    assert (result or "") == "".join(kept)


# --- masking ---------------------------------------------------------------------------------

@given(ANY_CELL)
@example("5371051203900001")
@example("NIK 5371051203900001")
@example("5371 0512 0390 0001")
def test_mask_nik_never_shows_more_than_region_and_last_four(raw):
    masked = mask_nik(raw)
    assert isinstance(masked, str)
    if not raw:
        assert masked == ""
        return
    text = str(raw)
    assert len(masked) == len(text)
    assert masked.endswith(text[-4:])
    assert not SIXTEEN_DIGITS.search(masked)
    shown = [c for c in masked if c != "*"]
    if len(text) == 16 and text.isdigit():
        assert masked == text[:6] + "******" + text[12:]
    else:
        # Not a bare number: everything but the last four characters is hidden.
        assert masked == "*" * max(len(text) - 4, 0) + text[-4:]
        assert len(shown) <= 4 or masked.count("*") == 0 and len(text) <= 4


@given(st.text("0123456789", min_size=16, max_size=16), st.text(max_size=10), st.text(max_size=10))
def test_a_nik_inside_other_text_is_never_shown_whole(digits, before, after):
    masked = mask_nik(before + digits + after)
    assert digits not in masked
    assert sum(c.isdigit() for c in masked) <= 10
