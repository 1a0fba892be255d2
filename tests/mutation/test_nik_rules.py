"""NIK/KK rules as the clerk reads them: the exact messages, the edges of each encoded field, the masks."""
from datetime import date

import pytest

from kupang.registry.masking import mask_nik
from kupang.registry.nik import check_kk, check_nik, nik_conflict_message

TODAY = date(2026, 11, 27)
DAY_ERROR = ("Tanggal lahir di NIK (digit ke-7 dan ke-8) tidak mungkin: 01-31 untuk laki-laki, "
             "41-71 untuk perempuan (tanggal ditambah 40).")
MONTH_ERROR = "Bulan lahir di NIK (digit ke-9 dan ke-10) tidak mungkin: harus 01 sampai 12."
CALENDAR_ERROR = ("Tanggal lahir di NIK tidak ada di kalender (mis. 30 Februari, atau 29 Februari bukan "
                  "tahun kabisat).")


def nik(raw, **kwargs):
    return check_nik(raw, reference_date=kwargs.pop("reference_date", TODAY), **kwargs)


def region_warning(code, check="Periksa kembali"):
    return (f"Kode wilayah {code} tidak ada di data Kemendagri terbaru (bisa jadi kode lama sebelum pemekaran). "
            f"{check}, tetapi boleh disimpan.")


@pytest.mark.parametrize("raw, label, check", [("5.37105E+15", "NIK", check_nik), (" 5,37105 E+15 ", "NIK", check_nik),
                                                ("5371051203900000.0", "Nomor KK", check_kk)])
def test_excel_mangled_numbers_get_the_excel_message_naming_the_field(raw, label, check):
    assert check(raw).errors == [
        f"{label} sudah diubah oleh Excel menjadi angka (digit terakhir hilang). Format kolom {label} sebagai Teks "
        f"di Excel, lalu ketik ulang nomornya dari dokumen aslinya."]


@pytest.mark.parametrize("raw", ["53710512O3900001", "²" * 16, "٥٣٧١٠٥١٢٠٣٩٠٠٠١٢"[:16]])
def test_letters_and_foreign_digits_are_refused_as_not_digits(raw):
    message = ("NIK hanya boleh berisi angka (spasi, titik dan tanda hubung boleh); ditemukan huruf atau tanda lain.")
    assert nik(raw).errors == [message]
    assert check_kk(raw).errors == [message.replace("NIK", "Nomor KK")]


@pytest.mark.parametrize("raw, message", [
    ("5371053201900001", DAY_ERROR),  # day 32
    ("5371057212900001", DAY_ERROR),  # day 72 (32 for a woman), December
    ("5371053212900001", DAY_ERROR),  # day 32 in December
    ("5371050001900001", DAY_ERROR),  # day 00
    ("5371051200900001", MONTH_ERROR),
    ("5371051213900001", MONTH_ERROR),
    ("5371053002900001", CALENDAR_ERROR),  # 30 February
    ("5371057002900001", CALENDAR_ERROR),  # 30 February, a woman
    ("5371052902230001", CALENDAR_ERROR),  # 29 February 2023
])
def test_each_impossible_birth_date_gets_its_own_message(raw, message):
    check = nik(raw)
    assert check.errors == [message]
    assert (check.value, check.birth_date, check.sex) == (None, None, None)


def test_born_today_is_today_not_a_century_ago():
    assert nik("5371052711260001").birth_date == TODAY


def test_29_february_of_a_century_year_that_cannot_be_read_is_an_error():
    # Read before 29 February 2000 the NIK can only mean 1900, which had no 29 February.
    check = nik("5371052902000001", reference_date=date(2000, 1, 1))
    assert check.errors == [CALENDAR_ERROR]
    assert nik("5371052902000001").birth_date == date(2000, 2, 29)


def test_serial_0000_message():
    assert nik("5371051203900000").errors == ["Nomor urut NIK (4 digit terakhir) tidak boleh 0000."]


@pytest.mark.parametrize("raw, code", [("9971051203900001", "99.71.05"), ("5399051203900001", "53.99.05"),
                                       ("5371991203900001", "53.71.99")])
def test_an_unknown_region_warns_with_its_code_and_never_blocks(raw, code):
    check = nik(raw)
    assert check.ok and check.value == raw and check.region is None
    assert check.warnings == [region_warning(code)]


def test_a_known_region_is_named():
    assert nik("5371051203900001").region == "Kota Raja, Kota Kupang"
    assert check_kk("5371050101200001").region == "Kota Raja, Kota Kupang"


@pytest.mark.parametrize("raw, code", [("9971050101200001", "99.71.05"), ("5399050101200001", "53.99.05"),
                                       ("5371990101200001", "53.71.99")])
def test_a_kk_with_an_unknown_region_warns_about_the_kk(raw, code):
    check = check_kk(raw)
    assert check.ok and check.value == raw and check.region is None
    assert check.warnings == [region_warning(code, "Periksa nomor KK")]


@pytest.mark.parametrize("recorded, word", [(2, "perempuan"), ("2", "perempuan"), (3, "?")])
def test_recorded_sex_differing_from_the_nik_is_a_warning_naming_both(recorded, word):
    check = nik("5371051203900001", sex=recorded)
    assert check.ok
    assert check.warnings == [f"Jenis kelamin menurut NIK (laki-laki) berbeda dengan yang dicatat ({word}). "
                              "Dukcapil tidak menerbitkan ulang NIK untuk ini; periksa dokumennya."]
    assert nik("5371051203900001", sex=1).warnings == []


def test_recorded_birth_date_differing_from_the_nik_is_a_warning():
    differs = nik("5371051203900001", birth_date=date(1990, 3, 13))
    assert differs.ok and differs.warnings == [
        "Tanggal lahir menurut NIK berbeda dengan tanggal lahir yang dicatat. Periksa KTP/KK; boleh disimpan."]
    # Only day, month and the year's last two digits are encoded.
    assert nik("5371051203900001", birth_date=date(1890, 3, 12)).warnings == []
    assert nik("5371051203900001", birth_date=date(1990, 4, 12)).warnings == differs.warnings
    assert nik("5371051203900001", birth_date=date(1991, 3, 12)).warnings == differs.warnings


def test_conflict_message_masks_the_number_or_leaves_it_out():
    tail = ("sudah dipakai penduduk lain. Periksa kembali nomornya, atau cari penduduk tersebut di menu Penduduk "
            "(mungkin data ganda yang perlu digabung).")
    assert nik_conflict_message("5371051203900001") == f"NIK 537105******0001 {tail}"
    assert nik_conflict_message() == f"NIK {tail}"
    assert nik_conflict_message("") == f"NIK {tail}"


@pytest.mark.parametrize("raw, masked", [
    ("5371051203900001", "537105******0001"), (5371051203900001, "537105******0001"), ("", ""), (None, ""),
    ("12345", "*2345"), ("1234", "1234"), ("12", "12"), ("537105120390000", "***********0000"),
    ("5371 0512 0390 0001", "***************0001"), ("53710512039000012", "*************0012"),
])
def test_mask_nik(raw, masked):
    assert mask_nik(raw) == masked
