"""Checking and applying imports against the database: preview, matching, families, atomicity, idempotence."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, update

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.import_models import ImportJob
from kupang.registry.importer import apply as apply_module
from kupang.registry.importer.jobs import confirm_job, create_job, imports_root, run_job
from kupang.registry.models import Family, Resident, ResidentChange
from tests.registry.import_builders import HEADER, kk_for, nik_for, person, write_csv, write_xlsx

KELURAHAN = "53.71.05.1005"


def check_file(path, user=None):
    """Upload and check a file (inline) as the user (None: no owner); returns the job."""
    with write_intent(), open(path, "rb") as stream:
        job = create_job(stream, path.name, user)
        db.session.commit()
    return run_job(job.id)


def import_file(path):
    """Check, confirm and apply a file; returns the finished job."""
    job = check_file(path)
    assert job.status == "ready", job.error
    assert confirm_job(job.id, None)
    return run_job(job.id)


def totals():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Resident, Family, ResidentChange))


def add_resident(name, birth, sex, nik=None, kk=None, **fields):
    with write_intent():
        family = None
        if kk:
            family = db.session.scalar(select(Family).where(Family.kk_number == kk)) or Family(
                kk_number=kk, kelurahan_code=KELURAHAN)
        resident = Resident(nik=nik, name=name, sex=sex, birth_date=birth, kelurahan_code=KELURAHAN, family=family,
                            **fields)
        db.session.add(resident)
        db.session.commit()
        return resident.id


def issues_of(job, line):
    return [(column, level, message) for row_line, column, level, message in job.summary_data["issues"]
            if row_line == line]


def test_preview_writes_nothing_then_confirm_writes_everything(app, tmp_path):
    rows = [person(0), person(1, kk=kk_for(0), shdk="Istri"), person(2, kk=kk_for(0), shdk="Anak"), person(3)]
    path = write_xlsx(tmp_path / "warga.xlsx", rows)
    with app.app_context():
        job = check_file(path)
        assert job.status == "ready"
        assert (job.count_new, job.count_updated, job.count_unchanged, job.count_rejected) == (4, 0, 0, 0)
        assert totals() == (0, 0, 0)
        assert job.summary_data["new_families"] == 2
        assert confirm_job(job.id, None)
        job = run_job(job.id)
        assert job.status == "done", job.error
        assert totals() == (4, 2, 0)
        family = db.session.scalar(select(Family).where(Family.kk_number == kk_for(0)))
        head = db.session.get(Resident, family.head_id)
        assert head.nik == rows[0]["NIK"] and head.shdk == 1
        assert {m.shdk for m in family.members} == {1, 3, 4}
        assert family.address == rows[0]["Alamat"] and (family.rt, family.rw) == ("003", "001")
        wife = db.session.scalar(select(Resident).where(Resident.nik == rows[1]["NIK"]))
        assert (wife.sex, wife.birth_date, wife.religion, wife.marital_status, wife.education,
                wife.occupation_code) == (2, date.fromisoformat("1960-02-07"), 2, 2, 5, 88)
        assert wife.kelurahan_code == KELURAHAN and wife.life_status == "hidup" and wife.version == 1
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "residents_imported"))
        assert entry.detail_data["new"] == 4 and entry.detail_data["file"] == "warga.xlsx"


def test_second_import_of_the_same_file_changes_nothing(app, tmp_path):
    rows = [person(i, kk=kk_for(i // 3), shdk="Kepala Keluarga" if i % 3 == 0 else "Anak") for i in range(12)]
    rows.append(person(50, NIK=""))
    path = write_xlsx(tmp_path / "warga.xlsx", rows)
    with app.app_context():
        assert import_file(path).count_new == 13
        before = totals()
        versions = dict(db.session.execute(select(Resident.id, Resident.version)).all())
        job = import_file(path)
        assert (job.count_new, job.count_updated, job.count_unchanged) == (0, 0, 13)
        assert totals() == before
        assert dict(db.session.execute(select(Resident.id, Resident.version)).all()) == versions


def test_changes_go_through_history_and_blank_cells_erase_nothing(app, tmp_path):
    row = person(4)
    with app.app_context():
        import_file(write_xlsx(tmp_path / "a.xlsx", [row]))
        changed = dict(row, Pekerjaan="Guru", Alamat="", **{"Nama Lengkap": row["Nama Lengkap"] + " A"})
        job = import_file(write_xlsx(tmp_path / "b.xlsx", [changed]))
        assert (job.count_updated, job.count_unchanged) == (1, 0)
        resident = db.session.scalar(select(Resident).where(Resident.nik == row["NIK"]))
        assert resident.occupation_code == 65 and resident.address == row["Alamat"]
        changes = {c.field: (c.old_value, c.new_value, c.source) for c in db.session.scalars(select(ResidentChange))}
        assert changes == {"occupation_code": ("88", "65", "import"),
                           "name": (row["Nama Lengkap"], row["Nama Lengkap"] + " A", "import")}
        assert resident.version == 2


def test_two_rows_claiming_one_nik_are_both_rejected(app, tmp_path):
    rows = [person(1), person(2), person(3)]
    rows[2]["NIK"] = rows[0]["NIK"]
    with app.app_context():
        job = check_file(write_xlsx(tmp_path / "dup.xlsx", rows))
        assert (job.count_new, job.count_rejected) == (1, 2)
        for line in (2, 4):
            assert any("beberapa baris" in m and "baris 2, 4" in m for _c, _l, m in issues_of(job, line))


def test_nik_already_used_by_another_person_is_rejected(app, tmp_path):
    row = person(7)
    with app.app_context():
        add_resident("ORANG LAIN SAMA SEKALI", date(1950, 5, 5), 1, nik=row["NIK"])
        job = check_file(write_xlsx(tmp_path / "a.xlsx", [row]))
        assert job.count_rejected == 1
        [(column, level, message)] = issues_of(job, 2)
        assert column == "NIK" and level == "error" and "sudah dipakai penduduk lain" in message
        assert row["NIK"] not in message  # masked


def test_small_name_correction_updates_the_holder_of_the_nik(app, tmp_path):
    row = person(8)
    with app.app_context():
        birth = datetime.strptime(row["Tanggal Lahir"], "%d/%m/%Y").date()
        add_resident(row["Nama Lengkap"].replace("A", "E", 1), birth, 1, nik=row["NIK"])
        job = check_file(write_xlsx(tmp_path / "a.xlsx", [row]))
        assert (job.count_updated, job.count_rejected) == (1, 0)
        # The same small difference with another birth date is another person.
        with write_intent():
            db.session.execute(update(Resident).values(birth_date=date(1999, 9, 9)))
            db.session.commit()
        assert check_file(write_xlsx(tmp_path / "b.xlsx", [row])).count_rejected == 1


def test_rows_without_nik_update_a_matching_nikless_resident(app, tmp_path):
    birth = date(1980, 4, 3)
    with app.app_context():
        rid = add_resident("MARIA BRIA", birth, 2, kk=kk_for(9))
        add_resident("MARIA BRIA", birth, 2, kk=kk_for(10))  # same person data, other KK: not a match
        row = person(1, NIK="", kk=kk_for(9), **{"Nama Lengkap": "Maria  Bria", "Tanggal Lahir": "03/04/1980",
                                                  "Jenis Kelamin": "P", "Pekerjaan": "Guru"})
        job = import_file(write_xlsx(tmp_path / "a.xlsx", [row]))
        assert (job.count_new, job.count_updated) == (0, 1)
        assert db.session.get(Resident, rid).occupation_code == 65
        # Now with the NIK: the same resident gets it, with a warning saying so.
        nik = nik_for(birth, 2, 17)
        job = import_file(write_xlsx(tmp_path / "b.xlsx", [dict(row, NIK=nik)]))
        assert job.count_updated == 1
        assert db.session.get(Resident, rid).nik == nik
        assert any("NIK ditambahkan" in m for _c, _l, m in issues_of(job, 2))


def test_placeholder_kks_never_group_a_family(app, tmp_path):
    rows = [person(1, kk="0000000000000000"), person(2, kk="0000000000000000"), person(3, kk="0"),
            person(4, kk="1111111111111111"), person(5, kk="")]
    with app.app_context():
        job = import_file(write_xlsx(tmp_path / "kk.xlsx", rows))
        assert (job.count_new, job.count_rejected) == (5, 0)
        assert totals()[1] == 0
        assert db.session.scalar(select(func.count()).where(Resident.family_id.is_not(None))) == 0
        for line in (2, 3, 4, 5):
            assert any("nomor pengganti" in m for _c, _l, m in issues_of(job, line))


def test_one_kk_in_several_rt_or_too_many_rows_is_rejected(app, tmp_path):
    rows = [person(1, kk=kk_for(77)), person(2, kk=kk_for(77), shdk="Anak", RT="004")]
    rows += [person(10 + i, kk=kk_for(88), shdk="Anak") for i in range(31)]
    with app.app_context():
        job = check_file(write_xlsx(tmp_path / "kk.xlsx", rows))
        assert job.count_rejected == 33
        assert any("2 RT/RW" in m for _c, _l, m in issues_of(job, 2))
        assert any("31 baris" in m for _c, _l, m in issues_of(job, 4))


def test_nik_as_number_with_dots_and_mangled(app, tmp_path):
    rows = [person(1), person(2), person(3), person(4), person(5)]
    intact = int(rows[0]["NIK"])
    rows[0]["NIK"] = intact  # a number cell, all 16 digits intact
    dotted = rows[1]["NIK"]
    rows[1]["NIK"] = f"{dotted[:4]}.{dotted[4:6]}.{dotted[6:12]}.{dotted[12:]}"
    rows[2]["NIK"] = "5.37105E+15"
    rows[3]["NIK"] = 5371051203900000  # a rounded number cell
    rows[4]["NIK"] = "5371051203900000.0"
    with app.app_context():
        job = check_file(write_xlsx(tmp_path / "nik.xlsx", rows))
        assert (job.count_new, job.count_rejected) == (2, 3)
        assert any("tersimpan sebagai angka" in m for _c, level, m in issues_of(job, 2) if level == "warning")
        for line in (4, 5, 6):
            assert any("diubah oleh Excel" in m for _c, level, m in issues_of(job, line) if level == "error")
        confirm_job(job.id, None)
        run_job(job.id)
        assert set(db.session.scalars(select(Resident.nik))) == {str(intact), dotted}


def test_excel_serial_dates_and_missing_sex_taken_from_the_nik(app, tmp_path):
    birth = date(1975, 8, 17)
    header = ["NIK", "Nama", "Tanggal Lahir", "Agama"]
    rows = [[nik_for(birth, 2, 5), "YULIANA TALLO", (birth - date(1899, 12, 30)).days, "Katolik"]]
    with app.app_context():
        job = import_file(write_xlsx(tmp_path / "serial.xlsx", rows, header=header))
        assert job.count_new == 1, job.summary_data
        resident = db.session.scalar(select(Resident))
        assert (resident.birth_date, resident.sex, resident.religion) == (birth, 2, 3)
        assert any("Tidak ada kolom NIK" in note for note in job.summary_data["notes"]) is False


def test_messy_sheet_title_rows_blank_rows_trailing_columns_unknown_columns(app, tmp_path):
    header = ["No.", " nama_lengkap ", "NIK ", "JENIS  KELAMIN", "tgl lahir", "Keterangan", "No. KK", None, None]
    people = [person(1), person(2)]
    body = [[1, p["Nama Lengkap"], p["NIK"], p["Jenis Kelamin"], p["Tanggal Lahir"], "pindahan", p["No KK"], None,
             None] for p in people]
    body.insert(1, [None] * 9)
    body.append([None, None, None, None, None, None, None, None, None])
    path = write_xlsx(tmp_path / "messy.xlsx", body, header=header,
                      title_rows=["DAFTAR PENDUDUK", "KELURAHAN NAIKOTEN DUA"], merge_title=True)
    with app.app_context():
        job = check_file(path)
        summary = job.summary_data
        assert summary["header_row"] == 3
        assert (job.count_rows, job.count_new) == (2, 2)
        assert any("No. (kolom A)" in note and "Keterangan (kolom F)" in note for note in summary["notes"])


def test_errors_name_their_row_and_column_in_indonesian(app, tmp_path):
    rows = [person(1, **{"Jenis Kelamin": "X"}), person(2, **{"Tanggal Lahir": "30/02/1990"}),
            person(3, **{"Nama Lengkap": ""}), person(4, Agama="Zoroaster"), person(5, RT="RT satu")]
    with app.app_context():
        job = check_file(write_csv(tmp_path / "salah.csv", rows))
        assert job.count_rejected == 5
        found = {(line, column) for line, column, level, _m in job.summary_data["issues"] if level == "error"}
        assert {(2, "Jenis Kelamin"), (3, "Tanggal Lahir"), (4, "Nama Lengkap"), (5, "Agama"), (6, "RT")} <= found


def test_latin1_csv_keeps_accents(app, tmp_path):
    rows = [person(1, **{"Nama Lengkap": "JOSÉ XIMENES"})]
    with app.app_context():
        job = import_file(write_csv(tmp_path / "latin.csv", rows, encoding="cp1252"))
        assert job.count_new == 1
        assert "Latin-1" in job.summary_data["notes"][0]
        assert db.session.scalar(select(Resident.name)) == "JOSÉ XIMENES"


def test_confirm_is_atomic_when_a_step_fails_half_way(app, tmp_path, monkeypatch):
    existing = person(1)
    with app.app_context():
        import_file(write_xlsx(tmp_path / "a.xlsx", [existing]))
        before = totals()
        rows = [dict(existing, Pekerjaan="Guru")] + [
            person(i, kk=kk_for(100 + i // 4), shdk="Kepala Keluarga" if i % 4 == 2 else "Anak") for i in range(2, 40)]
        job = check_file(write_xlsx(tmp_path / "b.xlsx", rows))
        assert (job.count_new, job.count_updated) == (38, 1)

        def broken(*_args, **_kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(apply_module, "set_heads", broken)  # after inserts and updates, before the commit
        assert confirm_job(job.id, None)
        job = run_job(job.id)
        assert job.status == "failed" and "Tidak ada data yang disimpan" in job.error
        assert totals() == before
        assert db.session.scalar(select(Resident.occupation_code)) == 88
        assert db.session.scalar(select(func.count()).where(AuditLog.action == "residents_imported")) == 1


def test_double_confirm_applies_once(app, tmp_path):
    with app.app_context():
        job = check_file(write_xlsx(tmp_path / "a.xlsx", [person(1), person(2)]))
        assert confirm_job(job.id, None)
        assert not confirm_job(job.id, None)
        run_job(job.id)
        run_job(job.id)
        assert totals()[0] == 2
        assert db.session.scalar(select(func.count()).where(AuditLog.action == "import_confirmed")) == 1


def test_database_changed_between_check_and_confirm(app, tmp_path):
    rows = [person(1), person(2)]
    with app.app_context():
        job = check_file(write_xlsx(tmp_path / "a.xlsx", rows))
        add_resident("ORANG LAIN", date(1950, 1, 1), 1, nik=rows[1]["NIK"])
        confirm_job(job.id, None)
        job = run_job(job.id)
        # The re-check at confirmation sees the new holder of the NIK and rejects that row.
        assert job.status == "done"
        assert (job.count_new, job.count_rejected) == (1, 1)
        assert "berbeda dari pratinjau" in job.error


def test_conflict_found_only_while_writing_writes_nothing(app, tmp_path, monkeypatch):
    rows = [person(1), person(2)]
    with app.app_context():
        job = check_file(write_xlsx(tmp_path / "a.xlsx", rows))
        original = apply_module.verify_still_free

        def someone_was_faster(plan):
            # Inside the write transaction: as if another clerk had saved this NIK just before.
            db.session.add(Resident(nik=rows[0]["NIK"], name="PETUGAS LAIN", sex=1, kelurahan_code=KELURAHAN))
            db.session.flush()
            original(plan)

        monkeypatch.setattr(apply_module, "verify_still_free", someone_was_faster)
        confirm_job(job.id, None)
        job = run_job(job.id)
        assert job.status == "failed" and "berubah sejak berkas diperiksa" in job.error
        assert totals() == (0, 0, 0)


def test_rejected_rows_file_in_the_uploaded_format(app, tmp_path):
    rows = [person(1), person(2, **{"Jenis Kelamin": "?"}), person(3), person(4, **{"Tanggal Lahir": "99/99/1990"})]
    with app.app_context():
        for writer, name in ((write_xlsx, "a.xlsx"), (write_csv, "a.csv")):
            job = check_file(writer(tmp_path / name, rows, **({"title_rows": ["JUDUL"]} if name.endswith("xlsx")
                                                               else {"delimiter": ","})))
            path = imports_root() / job.rejected_path
            assert path.suffix == "." + job.file_format
            if job.file_format == "xlsx":
                from openpyxl import load_workbook

                sheet = load_workbook(path).active
                values = [list(r) for r in sheet.iter_rows(values_only=True)]
            else:
                import csv

                with open(path, encoding="utf-8-sig", newline="") as fh:
                    values = list(csv.reader(fh, delimiter=","))
            assert values[0] == [*HEADER, "Alasan penolakan"]
            assert [v[2] for v in values[1:]] == [rows[1]["Nama Lengkap"], rows[3]["Nama Lengkap"]]
            assert "Jenis Kelamin" in values[1][-1] and "Tanggal Lahir" in values[2][-1]
            assert values[1][0] == rows[1]["NIK"]  # text, not a rounded number
            # The fixed file goes back in: the reason column is listed as unused, the rows import.
            fixed = [dict(rows[1], **{"Jenis Kelamin": "L"}), dict(rows[3], **{"Tanggal Lahir": "09/09/1990"})]
            again = check_file(writer(tmp_path / ("fixed-" + name), [
                [*r.values(), "alasan lama"] for r in fixed], header=[*HEADER, "Alasan penolakan"]))
            assert (again.count_new, again.count_rejected) == (2, 0)
            assert any("Alasan penolakan" in note for note in again.summary_data["notes"])


def test_imported_names_are_found_by_the_search(app, tmp_path):
    from kupang.registry.search import search_residents

    with app.app_context():
        import_file(write_xlsx(tmp_path / "a.xlsx", [person(1, **{"Nama Lengkap": "Kornelis Tefa Seran"})]))
        result = search_residents("tefa ser")
        assert [row.name for row in result.rows] == ["Kornelis Tefa Seran"]


def test_file_without_header_or_data_fails_clearly(app, tmp_path):
    with app.app_context():
        job = check_file(write_csv(tmp_path / "a.csv", [["x", "y"]], header=["Kolom A", "Kolom B"]))
        assert job.status == "failed" and "Baris judul kolom tidak ditemukan" in job.error
        job = check_file(write_csv(tmp_path / "b.csv", [], header=HEADER))
        assert job.status == "failed" and "tidak berisi data" in job.error
        assert totals() == (0, 0, 0)


@pytest.mark.parametrize("masked", ["537105******0001", "************0001"])
def test_masked_numbers_from_an_export_are_refused(app, tmp_path, masked):
    with app.app_context():
        job = check_file(write_csv(tmp_path / "a.csv", [person(1, NIK=masked)]))
        assert job.count_rejected == 1
        assert any("tersamarkan" in m for _c, _l, m in issues_of(job, 2))


def test_job_row_keeps_who_and_counts(app, tmp_path, make_user):
    uid = make_user("clerk", "petugas")
    with app.app_context():
        from kupang.auth.models import User

        user = db.session.get(User, uid)
        with write_intent(), open(write_xlsx(tmp_path / "a.xlsx", [person(1)]), "rb") as stream:
            job = create_job(stream, "a.xlsx", user=user)
            db.session.commit()
        job = run_job(job.id)
        confirm_job(job.id, user)
        job = run_job(job.id)
        stored = db.session.get(ImportJob, job.id)
        assert (stored.user_id, stored.confirmed_by_id, stored.count_new) == (uid, uid, 1)
        assert db.session.scalar(select(Resident.created_by_id)) == uid


def test_confirmation_uses_the_rows_read_by_the_check(app, tmp_path):
    rows = [person(1), person(2)]
    with app.app_context():
        job = check_file(write_xlsx(tmp_path / "a.xlsx", rows))
        folder = imports_root() / f"job-{job.id}"
        assert (folder / "baris.jsonl").is_file()
        (folder / "unggahan.xlsx").write_bytes(b"not read again")
        confirm_job(job.id, None)
        job = run_job(job.id)
        assert job.status == "done" and job.count_new == 2
        assert not (folder / "baris.jsonl").exists() and not (folder / "unggahan.xlsx").exists()
        assert (folder / "masalah.csv").exists()
        # Without the saved rows the upload itself is read again.
        job = check_file(write_xlsx(tmp_path / "b.xlsx", [person(3)]))
        (imports_root() / f"job-{job.id}" / "baris.jsonl").unlink()
        confirm_job(job.id, None)
        assert run_job(job.id).count_new == 1


def test_resident_edited_meanwhile_fails_the_whole_import(app, tmp_path, monkeypatch):
    rows = [person(1), person(2)]
    with app.app_context():
        import_file(write_xlsx(tmp_path / "a.xlsx", rows))
        job = check_file(write_xlsx(tmp_path / "b.xlsx", [dict(rows[0], Pekerjaan="Guru"), person(3)]))
        assert (job.count_new, job.count_updated) == (1, 1)
        original = apply_module.verify_still_free

        def clerk_saved_first(plan):
            # Inside the write transaction, as if a clerk's save had landed just before: the version moves on.
            db.session.execute(update(Resident).where(Resident.nik == rows[0]["NIK"])
                               .values(version=Resident.version + 1, occupation_code=9))
            original(plan)

        monkeypatch.setattr(apply_module, "verify_still_free", clerk_saved_first)
        confirm_job(job.id, None)
        job = run_job(job.id)
        assert job.status == "failed" and "diubah petugas lain" in job.error
        assert totals() == (2, 2, 0)
        assert db.session.scalar(select(Resident.occupation_code).where(Resident.nik == rows[0]["NIK"])) == 88


def test_known_kk_at_another_rt_is_a_warning(app, tmp_path):
    with app.app_context():
        import_file(write_xlsx(tmp_path / "a.xlsx", [person(1, kk=kk_for(40))]))
        job = check_file(write_xlsx(tmp_path / "b.xlsx", [person(2, kk=kk_for(40), shdk="Anak", RT="009")]))
        assert (job.count_new, job.count_rejected) == (1, 0)
        assert any("RT 003/RW 001" in m and level == "warning" for _c, level, m in issues_of(job, 2))
