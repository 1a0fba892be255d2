"""NIK and KK rules (no HTTP, no database)."""
from datetime import date

import pytest

from kupang.registry.nik import check_kk, check_nik, looks_mangled_by_excel, nik_conflict_message, normalise_number

TODAY = date(2026, 11, 27)


def nik(raw, **kwargs):
    return check_nik(raw, reference_date=TODAY, **kwargs)


@pytest.mark.parametrize("raw, expected", [
    ("5371051203900001", "5371051203900001"),
    (" 5371 0512 0390 0001 ", "5371051203900001"),
    ("5371.0512.0390.0001", "5371051203900001"),
    ("5371-0512-0390-0001", "5371051203900001"),
    ("5371\u00a00512\u00a00390\u00a00001", "5371051203900001"),
    ("", None),
    ("  . - ", None),
    (None, None),
])
def test_normalise_number(raw, expected):
    assert normalise_number(raw) == expected


def test_valid_nik_of_a_man_in_kota_raja():
    check = nik("537105 1203 900001")
    assert check.ok and check.value == "5371051203900001"
    assert check.birth_date == date(1990, 3, 12)
    assert check.sex == 1
    assert check.region == "Kota Raja, Kota Kupang"
    assert check.warnings == []
    assert check.masked == "537105******0001"


def test_women_have_forty_added_to_the_day():
    check = nik("5371055203900002")
    assert check.ok
    assert check.sex == 2
    assert check.birth_date == date(1990, 3, 12)
    assert nik("5371057103900002").birth_date == date(1990, 3, 31)


@pytest.mark.parametrize("raw", ["5371053203900001", "5371057203900001", "5371050003900001", "5371054003900001"])
def test_impossible_day_is_an_error(raw):
    check = nik(raw)
    assert not check.ok
    assert check.value is None
    assert "Tanggal lahir di NIK" in check.errors[0]


@pytest.mark.parametrize("raw", ["5371051213900001", "5371051200900001"])
def test_impossible_month_is_an_error(raw):
    check = nik(raw)
    assert not check.ok
    assert "Bulan lahir di NIK" in check.errors[0]


def test_day_that_does_not_exist_in_the_month():
    assert "kalender" in nik("5371053104900001").errors[0]  # 31 April
    assert "kalender" in nik("5371057104900001").errors[0]  # a woman born 31 April


def test_leap_days():
    assert nik("5371052902000001").birth_date == date(2000, 2, 29)  # 2000 is a leap year
    assert nik("5371056902880002").birth_date == date(1988, 2, 29)  # a woman, 1988
    assert not nik("5371052902010001").ok  # 2001 is not
    assert not nik("5371052902900001").ok  # 1990 is not


def test_century_is_inferred_from_the_reference_date():
    assert nik("5371051203260001").birth_date == date(2026, 3, 12)  # earlier this year
    assert nik("5371051212260001").birth_date == date(1926, 12, 12)  # later this year: a century ago
    assert nik("5371051203300001").birth_date == date(1930, 3, 12)
    assert check_nik("5371051203300001", reference_date=date(2031, 1, 1)).birth_date == date(2030, 3, 12)


def test_serial_0000_is_an_error():
    check = nik("5371051203900000")
    assert not check.ok
    assert "0000" in check.errors[0]


@pytest.mark.parametrize("raw, digits", [("537105120390001", 15), ("53710512039000011", 17), ("5371", 4)])
def test_wrong_length_is_an_error_that_counts_the_digits(raw, digits):
    check = nik(raw)
    assert not check.ok
    assert check.errors == [f"NIK harus 16 digit angka; yang diisi {digits} digit."]


def test_letters_are_an_error():
    check = nik("53710512039O0001")
    assert not check.ok
    assert "hanya boleh berisi angka" in check.errors[0]


@pytest.mark.parametrize("raw", ["5.37105E+15", "5,37105E+15", "5.37105e+15", "5371051203900000.0",
                                 "5371051203900000,00", " 5.37105120390000E+15 ", 5371051203900000.0,
                                 5371051203900000])
def test_numbers_mangled_by_excel_are_refused_with_a_clear_message(raw):
    assert looks_mangled_by_excel(raw)
    check = nik(raw)
    assert not check.ok
    assert check.value is None
    assert "Excel" in check.errors[0] and "Teks" in check.errors[0]
    assert "1203900000" not in check.errors[0]


def test_plain_numbers_are_not_taken_for_excel():
    assert not looks_mangled_by_excel("5371051203900001")
    assert not looks_mangled_by_excel("5371.0512.0390.0001")


def test_empty_nik_is_allowed_and_incomplete():
    for raw in ("", "   ", None):
        check = nik(raw)
        assert check.ok and check.is_empty and check.value is None


def test_other_ntt_regencies_are_known_and_never_need_5371():
    malaka = nik("5321011203900001")
    assert malaka.ok and malaka.warnings == []
    assert malaka.region.endswith("Kabupaten Malaka")
    soe = nik("5302011203900001")  # Timor Tengah Selatan
    assert soe.ok and soe.warnings == [] and "Timor Tengah Selatan" in soe.region
    java = nik("3201011203900001")  # Kabupaten Bogor: people keep the NIK of the place it was issued
    assert java.ok and java.warnings == []


@pytest.mark.parametrize("raw", ["5399051203900001", "5371991203900001", "9971051203900001",
                                 "5300001203900001"])
def test_unknown_or_old_region_codes_are_a_warning_only(raw):
    check = nik(raw)
    assert check.ok
    assert check.value == raw
    assert len(check.warnings) == 1
    assert "kode lama sebelum pemekaran" in check.warnings[0]
    assert check.region is None


def test_sex_differing_from_the_record_is_a_warning():
    check = nik("5371055203900002", sex=1)
    assert check.ok
    assert "Jenis kelamin menurut NIK (perempuan)" in check.warnings[0]
    assert nik("5371055203900002", sex=2).warnings == []


def test_birth_date_differing_from_the_record_is_a_warning():
    check = nik("5371051203900001", birth_date=date(1990, 3, 13))
    assert check.ok
    assert "Tanggal lahir menurut NIK berbeda" in check.warnings[0]
    assert nik("5371051203900001", birth_date=date(1990, 3, 12)).warnings == []
    # The century cannot be read from a NIK: 1926 and 2026 both match "26".
    assert nik("5371051203260001", birth_date=date(1926, 3, 12)).warnings == []


def test_messages_never_repeat_the_number():
    for raw in ("5371053203900001", "5371051203900000", "5399051203900001"):
        check = nik(raw, sex=2, birth_date=date(1991, 1, 1))
        for message in check.errors + check.warnings:
            assert raw not in message
            assert raw[6:12] not in message


def test_kk_rules():
    good = check_kk("5371 0512 0390 0001")
    assert good.ok and good.value == "5371051203900001" and good.warnings == []
    assert check_kk("").is_empty
    assert "Nomor KK hanya boleh berisi angka" in check_kk("53710512O3900001").errors[0]
    assert check_kk("537105120390001").errors == ["Nomor KK harus 16 digit angka; yang diisi 15 digit."]
    assert "Excel" in check_kk("5.37105E+15").errors[0]
    old = check_kk("5399051203900001")
    assert old.ok and "Kode wilayah 53.99.05" in old.warnings[0]


def test_conflict_message_is_masked():
    message = nik_conflict_message("5371051203900001")
    assert "537105******0001" in message
    assert "5371051203900001" not in message
    assert "sudah dipakai penduduk lain" in message
    assert "sudah dipakai penduduk lain" in nik_conflict_message()
