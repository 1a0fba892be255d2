"""Import cell and row rules at their edges: code tables, the memo, dates, combined columns, one whole row."""
from datetime import date

import pytest

from kupang.registry.importer.columns import match_header
from kupang.registry.importer.normalise import (
    ERROR,
    WARNING,
    RowData,
    cell,
    is_placeholder_kk,
    parse_kk,
    read_row,
    whole_zero,
)
from kupang.registry.importer.plan import Context
from kupang.registry.importer.values import (
    CodeTable,
    Memo,
    ValueProblem,
    number_input,
    parse_date,
    parse_text,
    serial_to_date,
    split_place_date,
    split_unit_pair,
)

TODAY = date(2026, 11, 27)
NIK = "5371051203900001"
KK = "5371050101200001"


def problem(function, *args):
    """The message of the ValueProblem a call raises."""
    with pytest.raises(ValueProblem) as raised:
        function(*args)
    return str(raised.value)


def test_a_code_table_reads_numbers_labels_and_abbreviations():
    table = CodeTable("warna", {1: "Merah Tua", 2: "Biru"}, [("MT|Merah|Merah Hati", 1), ("B", 2)])
    assert [table.parse(x) for x in ("merah-tua", "MERAH  TUA", "mt", "Merah", "merah hati", "b", "Biru")] == [
        1, 1, 1, 1, 1, 2, 2]
    assert [table.parse(x) for x in (1, "2", "02", "1.0", 2.0, None, "", " - ")] == [1, 2, 2, 1, 2, None, None, None]
    assert (table.label(1), table.label(9), table.what) == ("Merah Tua", "", "warna")
    assert problem(table.parse, 3) == "Kode warna 3 tidak dikenal."
    assert problem(table.parse, " Hijau ") == "Warna \u201cHijau\u201d tidak dikenal."
    assert problem(table.parse, "5371051203900001") == "Warna \u201c537105******0001\u201d tidak dikenal."


def test_a_code_table_with_its_own_numbers_and_key():
    table = CodeTable("status", {"hidup": "Hidup", "mati": "Meninggal"}, [("Wafat", "mati")], numbers={1: "hidup"},
                      key=lambda text: str(text).strip().lower())
    assert [table.parse(x) for x in (1, "hidup", " Meninggal", "wafat")] == ["hidup", "hidup", "mati", "mati"]
    assert problem(table.parse, 2) == "Kode status 2 tidak dikenal."
    assert problem(table.parse, "HIDUP!") == "Status \u201cHIDUP!\u201d tidak dikenal."


def test_memo_remembers_values_and_problems_per_type():
    calls = []

    def parse(raw):
        calls.append(raw)
        if raw == "bad":
            raise ValueProblem("Buruk.")
        return f"<{raw}>"

    memo = Memo(parse, limit=4)
    assert [memo("a"), memo("a"), memo(1), memo(1.0)] == ["<a>", "<a>", "<1>", "<1.0>"]
    assert calls == ["a", 1, 1.0]  # 1 and 1.0 are different cells
    for _ in range(2):
        assert problem(memo, "bad") == "Buruk."
    assert calls == ["a", 1, 1.0, "bad"]
    assert memo("d") == "<d>" and memo("d") == "<d>"
    assert calls[-2:] == ["d", "d"]  # past the limit nothing more is kept


@pytest.mark.parametrize("raw, expected", [
    ("12/12/1990", date(1990, 12, 12)), ("1/12/1990", date(1990, 12, 1)), ("31-1-1990", date(1990, 1, 31))])
def test_day_first_dates(raw, expected):
    assert parse_date(raw, TODAY) == expected


@pytest.mark.parametrize("raw, message", [
    ("05/13/1990", "Bulan lebih dari 12: tanggal harus ditulis hari/bulan/tahun."),
    ("12/13/1990", "Bulan lebih dari 12: tanggal harus ditulis hari/bulan/tahun."),
    ("13/13/1990", "Tanggal tidak ada di kalender."),
    ("31/02/1990", "Tanggal tidak ada di kalender."),
    ("12/03/90", "Tahun harus ditulis 4 digit (mis. 12/03/1990)."),
    ("kemarin", "Format tanggal tidak dikenal; gunakan hh/bb/tttt, hh-bb-tttt atau tttt-bb-hh."),
    ("12 Maretan 1990", "Format tanggal tidak dikenal; gunakan hh/bb/tttt, hh-bb-tttt atau tttt-bb-hh."),
    ("01/01/1879", "Tanggal lahir sebelum tahun 1880 tidak mungkin."),
    (1.5, "Angka ini bukan tanggal Excel yang sah."), (0, "Angka ini bukan tanggal Excel yang sah."),
    (80001, "Angka ini bukan tanggal Excel yang sah."),
])
def test_date_problems(raw, message):
    assert problem(parse_date, raw, TODAY) == message


def test_combined_columns_split_or_say_how_to_write_them():
    assert split_unit_pair("003/004") == ("003", "004")
    assert split_unit_pair(" 3 - 4 ") == ("3", "4")
    assert split_unit_pair("") == (None, None)
    assert problem(split_unit_pair, "003") == "RT/RW harus ditulis seperti 003/004."
    assert problem(split_unit_pair, "1/2/3") == "RT/RW harus ditulis seperti 003/004."
    assert split_place_date("Kupang, 12-03-1990") == ("Kupang", "12-03-1990")
    assert split_place_date("So'e, Kab. TTS, 1-2-1990") == ("So'e, Kab. TTS", "1-2-1990")
    assert split_place_date(", 12-03-1990") == (None, "12-03-1990")
    assert split_place_date(date(1990, 3, 12)) == (None, date(1990, 3, 12))
    assert split_place_date(None) == (None, None)
    assert problem(split_place_date, "Kupang 12-03-1990") == (
        "Tempat/tanggal lahir harus ditulis seperti: Kupang, 12-03-1990.")


HEADER = ["No", "NIK", "No KK", "Nama Lengkap", "Jenis Kelamin", "TTL", "RT/RW", "Agama", "SHDK", "Alamat"]


def row_of(values, line=7, context=None):
    return read_row(line, values, match_header(HEADER, 1), context or Context(today=TODAY))


def test_a_clean_row_with_combined_columns():
    row = row_of([1, NIK, KK, "  Yohanes   Ndun ", "L", "Kupang, 12-03-1990", "3/4", "Kristen", "Kepala Keluarga",
                  "Jl. El Tari"])
    assert (row.line, row.status, row.issues, row.rejected) == (7, None, None, False)
    assert (row.nik, row.kk, row.name, row.sex, row.birth_place, row.birth_date) == (
        NIK, KK, "Yohanes Ndun", 1, "Kupang", date(1990, 3, 12))
    assert (row.rt, row.rw, row.religion, row.shdk, row.address) == ("003", "004", 2, 1, "Jl. El Tari")
    assert (row.resident_id, row.changes, row.has_warnings, row.name_key) == (None, None, False, "YOHANES NDUN")
    assert (row.stored_version, row.stored_family_id) == (None, None)
    assert row.resident_values() == {"nik": NIK, "name": "Yohanes Ndun", "sex": 1, "birth_place": "Kupang",
                                     "birth_date": date(1990, 3, 12), "religion": 2, "shdk": 1,
                                     "address": "Jl. El Tari", "rt": "003", "rw": "004"}


def test_a_short_row_leaves_the_missing_cells_blank():
    row = row_of([1, "", "", "Maria Bria"])
    assert (row.name, row.nik, row.sex, row.rt, row.status) == ("Maria Bria", None, None, None, None)
    assert cell(["a", "b"], 1) == "b" and cell(["a", "b"], 2) is None and cell(["a"], None) is None


def test_a_blank_row_is_skipped():
    assert row_of([None, "", "-", "  ", None, "", "", "", "", ""]) is None
    assert row_of([]) is None


def test_bad_combined_cells_and_codes_reject_the_row_with_each_reason():
    row = row_of([2, "", "", "Anna Bria", "X", "Kupang 1990", "3", "Agama Baru", "Anak", "-"])
    assert row.rejected
    assert row.issues == [
        (ERROR, "RT/RW", "RT/RW harus ditulis seperti 003/004."),
        (ERROR, "TTL", "Tempat/tanggal lahir harus ditulis seperti: Kupang, 12-03-1990."),
        (ERROR, "Jenis Kelamin", "Jenis kelamin \u201cX\u201d tidak dikenal."),
        (ERROR, "Agama", "Agama \u201cAgama Baru\u201d tidak dikenal."),
    ]
    assert row.reasons() == ("RT/RW: RT/RW harus ditulis seperti 003/004. TTL: Tempat/tanggal lahir harus ditulis "
                             "seperti: Kupang, 12-03-1990. Jenis Kelamin: Jenis kelamin \u201cX\u201d tidak dikenal. "
                             "Agama: Agama \u201cAgama Baru\u201d tidak dikenal.")
    assert (row.shdk, row.sex, row.religion) == (4, None, None)


def test_a_row_without_a_name_is_rejected():
    row = row_of([3, NIK, "", "", "L"])
    assert row.issues == [(ERROR, "Nama Lengkap", "Nama wajib diisi.")] and row.name_key == ""


def test_the_nik_gives_the_sex_when_the_column_is_blank_and_warnings_are_kept():
    row = row_of([4, "9971055203900002", "", "Maria", "", "", "", "", "", ""])
    assert (row.nik, row.sex, row.has_warnings, row.status) == ("9971055203900002", 2, True, None)
    assert [(level, column) for level, column, _message in row.issues] == [(WARNING, "NIK")]
    assert row.reasons() == ""  # warnings are no reasons to reject


def test_rows_record_problems_in_order():
    row = RowData(9)
    row.add(WARNING, "NIK", "Periksa.")
    assert not row.rejected and row.status is None
    row.reject(None, "Baris rusak.")
    row.reject("RT", "Salah.")
    assert row.rejected and row.issues == [(WARNING, "NIK", "Periksa."), (ERROR, None, "Baris rusak."),
                                           (ERROR, "RT", "Salah.")]
    assert row.reasons() == "Baris rusak. RT: Salah."


def test_number_cells_in_the_nik_and_kk_columns():
    row = row_of([5, int(NIK), int(KK), "Yohanes", "L"])
    assert (row.nik, row.kk) == (NIK, KK)
    assert [(level, column) for level, column, _m in row.issues] == [(WARNING, "NIK")]
    assert row.issues[0][2] == ("NIK tersimpan sebagai angka di Excel. Nomornya masih utuh, tetapi format kolom NIK "
                                "sebagai Teks agar digit terakhir tidak hilang.")


@pytest.mark.parametrize("kk, warning", [
    ("0", "Nomor KK 0 tampaknya nomor pengganti (angka sama semua). Penduduk dicatat tanpa KK; isi nomor KK yang "
          "benar nanti."),
    ("0000000000000000", "Nomor KK 000000******0000 tampaknya nomor pengganti (angka sama semua). Penduduk dicatat "
                         "tanpa KK; isi nomor KK yang benar nanti."),
    ("1111111111111111", "Nomor KK 111111******1111 tampaknya nomor pengganti (angka sama semua). Penduduk dicatat "
                         "tanpa KK; isi nomor KK yang benar nanti."),
])
def test_a_placeholder_kk_is_dropped_with_a_warning(kk, warning):
    row = row_of([6, "", kk, "Yohanes"])
    assert row.kk is None and row.issues == [(WARNING, "No KK", warning)] and not row.rejected
    assert whole_zero("0.0") and whole_zero(" 00 ") and not whole_zero("10")
    assert is_placeholder_kk("2222") and not is_placeholder_kk("2223")


def test_masked_numbers_are_refused():
    row = row_of([7, "537105******0001", "537105******0001", "Yohanes"])
    assert row.issues == [
        (ERROR, "NIK", "NIK tersamarkan (berisi *). Ekspor ulang data penduduk tanpa penyamaran, atau ketik nomor "
                       "lengkapnya."),
        (ERROR, "No KK", "No KK tersamarkan (berisi *). Ekspor ulang data penduduk tanpa penyamaran, atau ketik "
                         "nomor lengkapnya.")]


def test_a_kk_is_checked_once_per_file():
    context = Context(today=TODAY)
    first = row_of([8, "", KK, "Satu"], context=context)
    second = row_of([9, "", KK, "Dua"], context=context)
    assert first.kk == second.kk == KK and list(context.kk_checks) == [KK]
    bad = row_of([10, "", "5371", "Tiga"], context=context)
    assert bad.issues == [(ERROR, "No KK", "Nomor KK harus 16 digit angka; yang diisi 4 digit.")]


SEPARATE = ["NIK Penduduk", "No KK", "Nama Lengkap", "Jenis Kelamin", "Tanggal Lahir", "RT", "RW"]


def separate_row(values, context=None):
    return read_row(3, values, match_header(SEPARATE, 1), context or Context(today=TODAY))


def test_separate_columns_name_themselves_in_their_messages():
    row = separate_row(["5371", "", "x" * 121, "L", "kemarin", "0", "1000"])
    assert row.issues == [
        (ERROR, "Nama Lengkap", "Nama terlalu panjang (121 karakter, maksimal 120)."),
        (ERROR, "Tanggal Lahir", "Format tanggal tidak dikenal; gunakan hh/bb/tttt, hh-bb-tttt atau tttt-bb-hh."),
        (ERROR, "RT", "RT harus berupa angka 1 sampai 999."),
        (ERROR, "RW", "RW harus berupa angka 1 sampai 999."),
        (ERROR, "Nama Lengkap", "Nama wajib diisi."),
        (ERROR, "NIK Penduduk", "NIK harus 16 digit angka; yang diisi 4 digit."),
    ]


def test_a_serial_date_follows_the_workbooks_date_system():
    assert serial_to_date(1) == date(1900, 1, 1)  # Excel: day 1 is 01-01-1900
    assert serial_to_date(59) == date(1900, 2, 28) and serial_to_date(61) == date(1900, 3, 1)
    assert separate_row(["", "", "Ana", "P", 32000]).birth_date == date(1987, 8, 11)
    in_1904 = Context(today=TODAY, date1904=True)
    assert separate_row(["", "", "Ana", "P", 32000], in_1904).birth_date == date(1991, 8, 12)


def test_the_nik_is_compared_with_the_recorded_sex_and_birth_date_and_read_on_the_files_day():
    row = separate_row([NIK, "", "Yohanes", "P", "13/03/1990"])
    assert row.sex == 2  # the recorded sex stands; the NIK only warns
    assert [message for _level, _column, message in row.issues] == [
        "Jenis kelamin menurut NIK (laki-laki) berbeda dengan yang dicatat (perempuan). Dukcapil tidak menerbitkan "
        "ulang NIK untuk ini; periksa dokumennya.",
        "Tanggal lahir menurut NIK berbeda dengan tanggal lahir yang dicatat. Periksa KTP/KK; boleh disimpan."]
    assert all(level == WARNING and column == "NIK Penduduk" for level, column, _m in row.issues)
    assert row.has_warnings and not row.rejected
    # Read on 1 January 2000, 29 February '00 can only mean 1900, which had none.
    early = separate_row(["5371052902000001", "", "Ana", "", ""], Context(today=date(2000, 1, 1)))
    assert early.rejected and early.issues[0][1] == "NIK Penduduk"


def test_a_placeholder_kk_of_another_length_is_shown_as_typed():
    row = row_of([6, "", "000000", "Yohanes"])  # only a 16-digit number could be someone's KK
    assert row.issues == [(WARNING, "No KK", "Nomor KK 000000 tampaknya nomor pengganti (angka sama semua). Penduduk "
                                             "dicatat tanpa KK; isi nomor KK yang benar nanti.")]


def test_each_kk_number_is_checked_once(monkeypatch):
    from kupang.registry.importer import normalise

    seen = []
    real = normalise.check_kk
    monkeypatch.setattr(normalise, "check_kk", lambda raw: seen.append(raw) or real(raw))
    context = Context(today=TODAY)
    for line in range(3):
        row_of([line, "", KK, f"Warga {line}"], context=context)
    assert seen == [KK]


def test_memo_keeps_five_thousand_values():
    calls = []
    memo = Memo(lambda raw: calls.append(raw) or raw)
    for value in range(5001):
        memo(value)
    memo(4999)
    memo(5000)
    assert len(calls) == 5002 and calls[-1] == 5000  # the 5,001st was not kept, the 5,000th was


@pytest.mark.parametrize("raw, expected", [("32000.0", date(1987, 8, 11)), ("32000,00", date(1987, 8, 11)),
                                           (1, date(1900, 1, 1)), (TODAY, TODAY)])
def test_dates_at_the_edges(raw, expected):
    assert parse_date(raw, TODAY) == expected


@pytest.mark.parametrize("raw, message", [
    ("12/03/0100", "Tanggal lahir sebelum tahun 1880 tidak mungkin."),  # four digits: read as written
    ("12/03/099", "Tahun harus ditulis 4 digit (mis. 12/03/1990)."),
    (80000, "Tanggal lahir tidak boleh setelah hari ini."),  # the largest serial accepted is a date in 2118
])
def test_year_and_serial_edges(raw, message):
    assert problem(parse_date, raw, TODAY) == message


def test_text_cells_at_their_limit_and_dates_in_text_columns():
    assert parse_text("a" * 5, 5, "Nama") == "aaaaa"
    assert problem(parse_text, date(2020, 1, 1), 80, "Tempat lahir") == (
        "Tempat lahir berisi tanggal atau jam, bukan teks.")


def test_number_cells_that_cannot_be_a_whole_nik():
    assert number_input(1.5) == (1.5, True)
    assert number_input(2**53) == (2**53, True)  # beyond a double's exact integers: left for nik.py to refuse
    assert number_input(2**53 - 1) == (str(2**53 - 1), True)


def test_a_row_without_nik_has_no_warnings_and_ttl_alone_is_split():
    header = match_header(["Nama", "TTL", "Jenis Kelamin"], 1)
    row = read_row(2, ["Ana", "Kupang, 12-03-1990", "P"], header, Context(today=TODAY))
    assert (row.has_warnings, row.birth_place, row.birth_date, row.sex) == (False, "Kupang", date(1990, 3, 12), 2)


def test_parse_kk_without_a_file_context_and_kk_region_warnings():
    header = match_header(HEADER, 1)
    row = RowData(1)
    parse_kk(row, {"kk": KK}, header)
    assert row.kk == KK and row.issues is None
    unknown = row_of([2, "", "9971050101200001", "Ana"])
    assert unknown.kk == "9971050101200001"
    assert unknown.issues == [(WARNING, "No KK", "Kode wilayah 99.71.05 tidak ada di data Kemendagri terbaru (bisa "
                                                "jadi kode lama sebelum pemekaran). Periksa nomor KK, tetapi boleh "
                                                "disimpan.")]
