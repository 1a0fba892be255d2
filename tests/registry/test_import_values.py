"""Import building blocks without a database: headers, SIAK codes, dates, RT/RW and number cells."""
from datetime import date, datetime

import pytest

from kupang.registry.importer.columns import header_key, match_header, unused_columns_message
from kupang.registry.importer.values import (
    BLOOD_TYPE,
    EDUCATION,
    LIFE_STATUS,
    MARITAL,
    OCCUPATION,
    RELIGION,
    SEX,
    SHDK,
    ValueProblem,
    number_input,
    parse_date,
    parse_text,
    parse_unit,
    split_place_date,
    split_unit_pair,
)

TODAY = date(2026, 11, 27)


def test_header_keys_ignore_case_spacing_and_punctuation():
    assert header_key("No. KK") == header_key("no_kk") == header_key("  NO  KK ") == "nokk"
    assert header_key(None) == ""


def test_header_matched_in_any_order_with_messy_spelling():
    header = match_header(["  jenis KELAMIN ", "NAMA LENGKAP", "Keterangan", None, "nik", "No. KK", "tgl_lahir",
                           None, None], 4)
    assert header.columns == {"sex": 0, "name": 1, "nik": 4, "kk": 5, "birth_date": 6}
    assert header.unknown == [("C", "Keterangan")]
    assert header.texts[-1] == "tgl_lahir"  # trailing blank columns dropped
    assert header.label("kk") == "No. KK"
    assert "Keterangan (kolom C)" in unused_columns_message(header)[0]


def test_opensid_template_headers_are_recognised():
    names = ["nik", "no_kk", "nama", "sex", "tempatlahir", "tanggallahir", "agama_id", "pendidikan_kk_id",
             "pekerjaan_id", "status_kawin", "kk_level", "warganegara_id", "golongan_darah_id", "alamat", "dusun",
             "rt", "rw", "nama_ayah", "nama_ibu"]
    header = match_header(names, 1)
    assert set(header.columns) == {"nik", "kk", "name", "sex", "birth_place", "birth_date", "religion",
                                   "education", "occupation_code", "marital_status", "shdk", "citizenship",
                                   "blood_type", "address", "rt", "rw", "father_name", "mother_name"}
    assert header.unknown == [("O", "dusun")]


def test_title_row_or_too_few_known_columns_is_not_a_header():
    assert match_header(["DATA PENDUDUK KELURAHAN NAIKOTEN DUA", None, None], 1) is None
    assert match_header(["Nama", "Keterangan"], 1) is None
    assert match_header(["NIK", "No KK", "Jenis Kelamin"], 1) is None  # no name column


def test_repeated_column_uses_the_first():
    header = match_header(["Nama", "NIK", "Nama Lengkap", "Jenis Kelamin"], 1)
    assert header.columns["name"] == 0
    assert header.repeated == [("C", "Nama Lengkap")]


@pytest.mark.parametrize(("table", "raw", "code"), [
    (SEX, "L", 1), (SEX, "lk", 1), (SEX, "Laki-laki", 1), (SEX, "LAKI LAKI", 1), (SEX, 1, 1), (SEX, "P", 2),
    (SEX, "pr", 2), (SEX, "perempuan", 2), (SEX, 2.0, 2), (SEX, "02", 2),
    (MARITAL, "BK", 1), (MARITAL, "k", 2), (MARITAL, "CH", 3), (MARITAL, "cm", 4), (MARITAL, "Belum Kawin", 1),
    (MARITAL, "cerai mati", 4), (MARITAL, 2, 2),
    (RELIGION, "kristen", 2), (RELIGION, "Protestan", 2), (RELIGION, "KATHOLIK", 3), (RELIGION, "islam", 1),
    (RELIGION, "Kepercayaan terhadap Tuhan YME", 7), (RELIGION, "3", 3),
    (SHDK, "Kepala Keluarga", 1), (SHDK, "kk", 1), (SHDK, "ISTRI", 3), (SHDK, "anak", 4), (SHDK, 11, 11),
    (EDUCATION, "SLTA/sederajat", 5), (EDUCATION, "sma", 5), (EDUCATION, "S1", 8), (EDUCATION, "Diploma I/II", 6),
    (EDUCATION, "Akademi/Diploma III/Sarjana muda", 7), (EDUCATION, "tidak/belum sekolah", 1),
    (OCCUPATION, "PELAJAR/MAHASISWA", 3), (OCCUPATION, "wiraswasta", 88), (OCCUPATION, "PNS", 5),
    (OCCUPATION, 89, 89), (OCCUPATION, "Pegawai negeri sipil", 5),
    (BLOOD_TYPE, "AB", 3), (BLOOD_TYPE, "ab-", 10), (BLOOD_TYPE, "O +", 11), (BLOOD_TYPE, "tidak tahu", 13),
    (LIFE_STATUS, "Meninggal", "mati"), (LIFE_STATUS, "hidup", "hidup"), (LIFE_STATUS, 3, "pindah"),
])
def test_codes_accept_number_label_and_abbreviation(table, raw, code):
    assert table.parse(raw) == code


@pytest.mark.parametrize("raw", [None, "", "  ", "-"])
def test_blank_code_is_none(raw):
    assert SEX.parse(raw) is None


@pytest.mark.parametrize(("table", "raw", "message"), [
    (SEX, "X", "tidak dikenal"), (SEX, 3, "Kode jenis kelamin 3"), (RELIGION, 9, "Kode agama 9"),
    (OCCUPATION, 90, "pekerjaan"), (MARITAL, "janda", "Status perkawinan"),
])
def test_unknown_codes_are_refused_in_indonesian(table, raw, message):
    with pytest.raises(ValueProblem, match=message):
        table.parse(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("12/03/1990", date(1990, 3, 12)), ("12-03-1990", date(1990, 3, 12)), ("1990-03-12", date(1990, 3, 12)),
    ("2/3/1990", date(1990, 3, 2)), ("12.03.1990", date(1990, 3, 12)), (32944, date(1990, 3, 12)),
    (32944.0, date(1990, 3, 12)), ("32944", date(1990, 3, 12)), (datetime(1990, 3, 12), date(1990, 3, 12)),
    (date(1990, 3, 12), date(1990, 3, 12)), ("12 Maret 1990", date(1990, 3, 12)), ("1 agu 1975", date(1975, 8, 1)),
    ("1990-03-12 00:00:00", date(1990, 3, 12)), (None, None), ("-", None),
])
def test_dates_in_every_accepted_form(raw, expected):
    assert parse_date(raw, TODAY) == expected


def test_1904_workbooks_count_serials_from_1904():
    assert parse_date(31482, TODAY, date1904=True) == date(1990, 3, 12)


@pytest.mark.parametrize(("raw", "message"), [
    ("31/02/1990", "kalender"), ("03/13/1990", "hari/bulan/tahun"), ("12/03/90", "4 digit"),
    ("kemarin", "Format tanggal"), ("01/01/2030", "setelah hari ini"), ("01/01/1850", "1880"), (12.5, "bukan"),
])
def test_bad_dates_are_refused(raw, message):
    with pytest.raises(ValueProblem, match=message):
        parse_date(raw, TODAY)


@pytest.mark.parametrize(("raw", "expected"), [("3", "003"), (3, "003"), (3.0, "003"), ("003", "003"),
                                               ("RT 03", "003"), ("rw.2", "002"), (None, None)])
def test_rt_rw_as_three_digits(raw, expected):
    assert parse_unit(raw, "RT") == expected


@pytest.mark.parametrize("raw", ["0", "1000", "tiga", "3a"])
def test_bad_rt_is_refused(raw):
    with pytest.raises(ValueProblem, match="RT"):
        parse_unit(raw, "RT")


def test_combined_columns_are_split():
    assert split_unit_pair("003/004") == ("003", "004")
    assert split_unit_pair("3 - 4") == ("3", "4")
    assert split_place_date("Kupang, 12-03-1990") == ("Kupang", "12-03-1990")
    assert split_place_date("SoE, Timor Tengah Selatan, 1/2/1980") == ("SoE, Timor Tengah Selatan", "1/2/1980")
    with pytest.raises(ValueProblem):
        split_place_date("Kupang 12-03-1990")


def test_text_is_trimmed_and_limited():
    assert parse_text("  Yohanes   Ndun ", 120, "Nama") == "Yohanes Ndun"
    assert parse_text(81234567.0, 20, "Telepon") == "81234567"
    with pytest.raises(ValueProblem, match="terlalu panjang"):
        parse_text("x" * 121, 120, "Nama")


def test_number_cells_intact_or_mangled():
    assert number_input(5371051203900001) == ("5371051203900001", True)
    assert number_input(5371051203900001.0) == ("5371051203900001", True)
    # Ends in 0: a spreadsheet may have rounded the 16th digit away; nik.py reports it.
    assert number_input(5371051203900000) == (5371051203900000, True)
    assert number_input(5.37105e15) == (5.37105e15, True)
    assert number_input("5371.0512.0390.0001") == ("5371.0512.0390.0001", False)
