"""OpenSID's import template, whole: its Kode Data values, its end marker, and a full round trip."""
from datetime import date, timedelta

from sqlalchemy import select

from kupang.extensions import db
from kupang.registry.importer.readers import open_source
from kupang.registry.importer.values import CODE_TABLES
from kupang.registry.models import Family, Resident
from tests.registry.import_builders import kk_for, nik_for
from tests.registry.opensid_template import EXAMPLE, FIELDS, STATUS_DASAR, code_lists, write_template
from tests.registry.test_import_plan import check_file, import_file

CODED = {column: field for column, field in FIELDS.items() if field in CODE_TABLES}


def expected_code(column, number):
    """The code kupang stores for an OpenSID code number."""
    return STATUS_DASAR[number] if column == "status_dasar" else number


def test_every_code_value_on_kode_data_maps_to_the_same_code(tmp_path):
    """Read with the importer's own reader: 145 values, each as its number and as its label = 290 values."""
    source = open_source(str(write_template(tmp_path / "FormatImporExcel.xlsm")), "xlsx")
    try:
        sheet = source.sheet_names().index("Kode Data")
        rows = [values for _line, values in source.rows(sheet)]
    finally:
        source.close()
    header = next(values for values in rows if values and values[0] == "sex")
    body = rows[rows.index(header) + 1:]
    checked, wrong = 0, []
    for index in range(0, len(header), 2):
        column = header[index]
        if column not in CODED:
            continue
        table = CODE_TABLES[CODED[column]]
        for values in body:
            if index >= len(values) or values[index] is None:
                continue
            label, number = values[index], values[index + 1]
            for raw in (number, label, str(number)):
                checked += 1
                try:
                    got = table.parse(raw)
                except ValueError as problem:
                    got = str(problem)
                if got != expected_code(column, number):
                    wrong.append((column, raw, got))
    assert wrong == []
    assert checked == 3 * 145


def residents(count):
    """count residents in families of four; codes as numbers in even rows, as Kode Data labels in odd rows."""
    lists, people = code_lists(), []
    for i in range(count):
        pick = {column: lists[column][(i * 7 + 3) % len(lists[column])] for column in CODED}
        pick["kk_level"] = lists["kk_level"][0 if i % 4 == 0 else 1 + i % 10]
        pick["sex"] = lists["sex"][i % 2]
        sex = pick["sex"][1]
        birth = date(1950, 1, 1) + timedelta(days=i * 911)
        person = {"alamat": f"Jl. Timor Raya No. {i}", "dusun": "Dusun Satu", "rw": "002", "rt": f"{1 + i // 4:03d}",
                  "nama": f"WARGA OPENSID {i}", "no_kk": kk_for(900 + i // 4), "nik": nik_for(birth, sex, 100 + i),
                  "tempatlahir": "KUPANG", "tanggallahir": birth, "nama_ayah": f"AYAH {i}", "nama_ibu": f"IBU {i}",
                  "pendidikan_sedang_id": 18, "suku": "Rote", "ktp_el": 2}
        for column, (label, number) in pick.items():
            person[column] = number if i % 2 == 0 else label
        person["_codes"] = {column: number for column, (_label, number) in pick.items()}
        people.append(person)
    return people


def stored(nik):
    """A resident with their family's KK, as a dict of the import fields."""
    resident = db.session.scalar(select(Resident).where(Resident.nik == nik))
    family = db.session.get(Family, resident.family_id) if resident.family_id else None
    values = {name: getattr(resident, name) for name in FIELDS.values() if name != "kk"}
    values["kk"] = family.kk_number if family else None
    return values


def test_template_round_trip_compares_every_field(app, tmp_path):
    people = residents(16)
    path = write_template(tmp_path / "FormatImporExcel.xlsm", people)
    with app.app_context():
        job = import_file(path)
        assert job.status == "done", job.error
        assert (job.count_rows, job.count_new, job.count_rejected) == (16, 16, 0)
        notes = " ".join(job.summary_data["notes"])
        assert "penanda akhir data OpenSID" in notes and "dusun" in notes  # unknown columns are named
        for person in people:
            want = {FIELDS[column]: value for column, value in person.items() if column in FIELDS}
            for column, number in person["_codes"].items():
                want[FIELDS[column]] = expected_code(column, number)
            want["birth_date"] = person["tanggallahir"]
            assert stored(person["nik"]) == want


def test_rows_after_the_end_marker_are_not_residents(app, tmp_path):
    path = write_template(tmp_path / "FormatImporExcel.xlsm", [EXAMPLE, dict(EXAMPLE, nik="8788888888888457",
                                                                             nama="Nama Kedua")])
    with app.app_context():
        job = check_file(path)
        assert job.status == "ready", job.error
        assert job.count_rows == 2  # the green instruction block below ### is not read
        messages = [message for _line, _column, _level, message in job.summary_data["issues"]]
        assert not any("Nama wajib diisi" in message for message in messages)
        assert job.summary_data["sheet"] == "Data Penduduk"


def test_kode_data_sheet_is_skipped_by_name_even_first(app, tmp_path):
    """A workbook whose first sheet is Kode Data still imports its Data Penduduk sheet."""
    from openpyxl import load_workbook

    path = write_template(tmp_path / "FormatImporExcel.xlsx", [EXAMPLE])
    book = load_workbook(path)
    book.move_sheet("Kode Data", offset=-1)
    book["Kode Data"]["A2"] = "nama"  # a header-like row that must not be taken for the residents' header
    book["Kode Data"]["B2"] = "nik"
    book["Kode Data"]["C2"] = "sex"
    book.save(path)
    with app.app_context():
        job = check_file(path)
        assert job.status == "ready", job.error
        assert job.summary_data["sheet"] == "Data Penduduk" and job.count_rows == 1
