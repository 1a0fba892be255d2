"""The clerk's flow over HTTP: draft, preview, issue, print (SALINAN on reprints), void, verify; and the rules."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.letters.models import Letter, LetterSequence
from kupang.registry.models import Resident

from .fixtures import DOMISILI, KEMATIAN, UMUM, draft, letter_row, letters_office, person


@pytest.fixture
def office(app):
    """Letter types, a signatory and one living resident with a NIK."""
    types, signatory = letters_office(app)
    return {"types": types, "signatory": signatory, "resident": person(app)}


def issue(client, letter_id, signatory, version=0):
    """POST Terbitkan."""
    return client.post(f"/surat/{letter_id}/terbitkan", data={"version": version, "signatory_id": signatory})


def audits(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def test_draft_from_the_form_then_issue_gives_the_number_and_freezes_the_text(app, client, login_as, office):
    login_as("clerk")
    rid, tid = office["resident"], office["types"][DOMISILI]
    page = client.get(f"/surat/baru?penduduk={rid}&jenis={tid}")
    assert page.status_code == 200 and "Keperluan" in page.get_data(as_text=True)
    assert "Surat pengantar RT/RW" in page.get_data(as_text=True)  # the requirement checklist
    with app.app_context():
        requirements = db.session.get(__import__("kupang.letters.models", fromlist=["LetterType"]).LetterType,
                                      tid).requirements
    response = client.post("/surat/baru", data={"resident_id": rid, "type_id": tid, "f_keperluan": "melamar kerja",
                                                "syarat": requirements})
    assert response.status_code == 303
    letter_id = int(response.headers["Location"].rsplit("/", 1)[1])
    preview = client.get(f"/surat/{letter_id}").get_data(as_text=True)
    assert "melamar kerja" in preview and "Yohanes Benu Taek" in preview and "Terbitkan" in preview
    assert "537105******0001" in preview  # the preview masks the NIK
    response = issue(client, letter_id, office["signatory"])
    assert response.status_code == 303
    letter = letter_row(app, letter_id)
    assert letter.status == "issued"
    assert re.fullmatch(r"474/0001/NKT\.II/[IVX]+/20\d\d", letter.number), letter.number
    snapshot = letter.snapshot
    assert snapshot["penduduk"]["nama"] == "Yohanes Benu Taek"
    assert "melamar kerja" in snapshot["blocks"]["body"]
    assert snapshot["penandatangan"]["name"]
    issued = audits(app, "letter_issued")
    assert len(issued) == 1 and json.loads(issued[0].detail)["resident_ids"] == [rid]
    assert audits(app, "letter_drafted")


def test_an_issued_letter_never_changes_when_the_resident_does(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    assert issue(client, letter_id, office["signatory"]).status_code == 303
    before = letter_row(app, letter_id).snapshot_json
    with app.app_context(), write_intent():
        resident = db.session.get(Resident, office["resident"])
        resident.name, resident.address = "Nama Baru", "Jl. Lain No. 2"
        db.session.commit()
    assert letter_row(app, letter_id).snapshot_json == before
    printed = client.get(f"/surat/{letter_id}/cetak").get_data(as_text=True)
    assert "Yohanes Benu Taek" in printed and "Nama Baru" not in printed
    # Editing the issued letter is refused and changes nothing.
    response = client.post(f"/surat/{letter_id}/ubah", data={"version": 1, "f_keperluan": "lain"})
    assert response.status_code == 409
    assert letter_row(app, letter_id).snapshot_json == before


def test_print_has_the_qr_and_reprints_say_salinan(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    draft_print = client.get(f"/surat/{letter_id}/cetak")
    assert draft_print.status_code == 303  # a draft cannot be printed, so no QR before issue
    issue(client, letter_id, office["signatory"])
    first = client.get(f"/surat/{letter_id}/cetak?kertas=a4").get_data(as_text=True)
    assert 'id="letter-qr"' in first and "data:image/svg+xml" in first and "SALINAN" not in first
    assert "letters-paper-a4.css" in first
    again = client.get(f"/surat/{letter_id}/cetak?kertas=f4").get_data(as_text=True)
    assert 'id="copy-mark"' in again and "letters-paper-f4.css" in again
    assert "5371051203900001" in again  # the printed letter carries the full NIK ...
    revealed = audits(app, "resident_nik_revealed")  # ... and each print is recorded as a disclosure
    assert [r.object_id for r in revealed] == [str(office["resident"])] * 2
    assert len(audits(app, "letter_printed")) == 1 and len(audits(app, "letter_reprinted")) == 1
    assert letter_row(app, letter_id).print_count == 2


def test_verification_says_sah_then_dibatalkan_and_counts_scans(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    issue(client, letter_id, office["signatory"])
    token = letter_row(app, letter_id).verify_token
    public = app.test_client()
    page = public.get(f"/surat/cek/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and ">SAH<" in text
    assert "Yohanes B." in text and "Benu" not in text and "Taek" not in text
    assert "537105******0001" in text and "5371051203900001" not in text
    assert letter_row(app, letter_id).number in text
    response = client.post(f"/surat/{letter_id}/batalkan", data={"version": 1, "reason": "Salah ketik nama"})
    assert response.status_code == 303
    text = public.get(f"/surat/cek/{token}").get_data(as_text=True)
    assert "DIBATALKAN" in text
    assert letter_row(app, letter_id).verify_count == 2
    assert len(audits(app, "letter_voided")) == 1


def test_verification_of_an_unknown_token_or_a_draft_is_not_found(app, client, office):
    assert app.test_client().get("/surat/cek/tidak-ada").status_code == 404
    letter_id = draft(app, DOMISILI, office["resident"])
    assert app.test_client().get(f"/surat/cek/{letter_row(app, letter_id).verify_token}").status_code == 404


def test_an_expired_letter_verifies_as_kedaluwarsa(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    issue(client, letter_id, office["signatory"])
    with app.app_context(), write_intent():
        letter = db.session.get(Letter, letter_id)
        letter.valid_until = letter.issued_at - timedelta(days=1)
        db.session.commit()
        token = letter.verify_token
    assert "KEDALUWARSA" in app.test_client().get(f"/surat/cek/{token}").get_data(as_text=True)


def test_verification_is_rate_limited(app, office):
    app.config["LETTER_VERIFY_PER_MINUTE"] = 3
    client = app.test_client()
    statuses = [client.get("/surat/cek/tidak-ada", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
                for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    other = client.get("/surat/cek/tidak-ada", environ_base={"REMOTE_ADDR": "10.9.9.10"})
    assert other.status_code == 404  # another address is not limited by the first one's requests


def test_void_needs_a_reason_and_the_number_is_never_reused(app, client, login_as, office):
    login_as("clerk")
    first = draft(app, DOMISILI, office["resident"])
    issue(client, first, office["signatory"])
    response = client.post(f"/surat/{first}/batalkan", data={"version": 1, "reason": ""})
    assert response.status_code == 409 and "alasan pembatalan" in response.get_data(as_text=True)
    assert letter_row(app, first).status == "issued"
    client.post(f"/surat/{first}/batalkan", data={"version": 1, "reason": "Data keliru"})
    second = draft(app, DOMISILI, office["resident"])
    issue(client, second, office["signatory"])
    assert letter_row(app, first).seq_value == 1 and letter_row(app, second).seq_value == 2


# --- every bad input: a clear Indonesian message, nothing issued --------------------------------------


def assert_refused(app, client, letter_id, office, message):
    response = issue(client, letter_id, office["signatory"])
    text = response.get_data(as_text=True)
    assert response.status_code == 409, response.status_code
    assert message in text, text[-2000:]
    assert letter_row(app, letter_id).status == "draft"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LetterSequence)) == 0


def test_a_required_field_missing_is_refused_at_draft_and_at_issue(app, client, login_as, office):
    login_as("clerk")
    rid, tid = office["resident"], office["types"][DOMISILI]
    response = client.post("/surat/baru", data={"resident_id": rid, "type_id": tid, "f_keperluan": " "})
    assert response.status_code == 400 and "Keperluan wajib diisi." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 0
    letter_id = draft(app, DOMISILI, rid, values={"keperluan": ""})
    assert_refused(app, client, letter_id, office, "Lengkapi dahulu: Keperluan")


def test_unticked_requirements_are_refused(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"], checked=[])
    assert_refused(app, client, letter_id, office, "Persyaratan belum diperiksa")


@pytest.mark.parametrize(("status", "label"), [("mati", "meninggal"), ("pindah", "pindah")])
def test_a_dead_or_moved_resident_gets_no_domisili(app, client, login_as, office, status, label):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    with app.app_context(), write_intent():
        db.session.get(Resident, office["resident"]).life_status = status
        db.session.commit()
    assert_refused(app, client, letter_id, office, f"tercatat berstatus {label}")
    response = client.post("/surat/baru", data={"resident_id": office["resident"], "type_id": office["types"][DOMISILI],
                                                "f_keperluan": "x"})
    assert response.status_code == 400 and f"tercatat berstatus {label}" in response.get_data(as_text=True)


def test_kematian_requires_the_resident_recorded_dead(app, client, login_as, office):
    login_as("clerk")
    response = client.post("/surat/baru", data={"resident_id": office["resident"], "type_id": office["types"][KEMATIAN],
                                                "f_tanggal_meninggal": "01-12-2026", "f_tempat_meninggal": "RSUD",
                                                "f_sebab": "sakit", "f_pelapor": "Maria"})
    assert response.status_code == 400
    assert "hanya untuk penduduk yang tercatat meninggal" in response.get_data(as_text=True)
    with app.app_context(), write_intent():
        db.session.get(Resident, office["resident"]).life_status = "mati"
        db.session.commit()
    letter_id = draft(app, KEMATIAN, office["resident"])
    assert issue(client, letter_id, office["signatory"]).status_code == 303


def test_a_type_needing_a_nik_refuses_a_resident_without_one(app, client, login_as, office):
    login_as("clerk")
    rid = person(app, "Tanpa Nik", serial=2, nik=None)
    response = client.post("/surat/baru", data={"resident_id": rid, "type_id": office["types"][DOMISILI],
                                                "f_keperluan": "x"})
    assert response.status_code == 400 and "memerlukan NIK" in response.get_data(as_text=True)
    letter_id = draft(app, UMUM, rid)  # the general letter does not need one
    assert issue(client, letter_id, office["signatory"]).status_code == 303


def test_an_expired_draft_is_refused(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    with app.app_context(), write_intent():
        db.session.get(Letter, letter_id).created_at -= timedelta(days=31)
        db.session.commit()
    assert_refused(app, client, letter_id, office, "sudah kedaluwarsa")


def test_a_stale_version_or_a_second_issue_is_refused(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    assert issue(client, letter_id, office["signatory"], version=5).status_code == 409
    assert issue(client, letter_id, office["signatory"]).status_code == 303
    again = issue(client, letter_id, office["signatory"])
    assert again.status_code == 409 and "sudah diterbitkan dengan nomor" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LetterSequence, (letter_row(app, letter_id).seq_year, "474")).last_value == 1


def test_a_clock_gone_back_refuses_to_issue(app, client, login_as, office):
    login_as("clerk")
    first = draft(app, DOMISILI, office["resident"])
    issue(client, first, office["signatory"])
    with app.app_context(), write_intent():
        row = db.session.scalar(select(LetterSequence))
        row.last_issued_at += timedelta(hours=2)  # as if the last letter was issued "in the future"
        db.session.commit()
    second = draft(app, DOMISILI, office["resident"])
    response = issue(client, second, office["signatory"])
    assert response.status_code == 409 and "Jam komputer server lebih awal" in response.get_data(as_text=True)
    assert letter_row(app, second).status == "draft"


def test_discarding_a_draft_removes_it(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    assert client.post(f"/surat/{letter_id}/buang", data={"version": 0}).status_code == 303
    with app.app_context():
        assert db.session.get(Letter, letter_id) is None
    assert audits(app, "letter_draft_discarded")


def test_editing_a_draft_keeps_it_a_draft_with_the_new_values(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"])
    response = client.post(f"/surat/{letter_id}/ubah", data={"version": 0, "f_keperluan": "daftar sekolah"})
    assert response.status_code == 303
    letter = letter_row(app, letter_id)
    assert letter.values["keperluan"] == "daftar sekolah" and letter.version == 1 and letter.checked == []
    assert "daftar sekolah" in client.get(f"/surat/{letter_id}").get_data(as_text=True)


def test_the_supervisor_home_counts_letters_issued_today_not_drafts(app, client, login_as, office):
    from kupang.reports.home import letters_today

    login_as("clerk")
    issued = draft(app, DOMISILI, office["resident"])
    assert issue(client, issued, office["signatory"]).status_code == 303
    draft(app, DOMISILI, office["resident"])  # a draft is not a letter yet
    with app.app_context():
        assert letters_today() == 1
        issued_day = db.session.get(Letter, issued).issued_at
        assert letters_today(issued_day.date() - timedelta(days=2)) == 0
    client.post("/keluar")
    login_as("supervisor", "lurah")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r"Surat diterbitkan</dt><dd>1<", home), home[home.find("Surat diterbitkan") - 50:][:200]
