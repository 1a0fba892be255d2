"""The audit log in Indonesian: objects by name with masked NIK, details as sentences, search by resident,
the access report (who saw my data) with its date range and export; the resident page's link."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from kupang import audit
from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.reports.audit_objects import Resolver
from kupang.reports.audit_text import sentence, value_text
from kupang.timeutil import now_utc, office_today
from tests.queue.core_fixtures import add_service

from .builders import add_resident

NIK = "5371051203900001"


@pytest.fixture
def people(app):
    with app.app_context():
        yohanes = add_resident("Yohanes Bria", 1, "002", nik=NIK)
        other = add_resident("Yohanes Nope", 1, "003", nik="5371051203900002")
        maria = add_resident("Maria Ndun", 2, "004")
        service = add_service("Surat Domisili", "B")
    return {"yohanes": yohanes, "other": other, "maria": maria, "service": service}


def record(app, *args, **kwargs):
    with app.app_context(), write_intent():
        audit.record(*args, username=kwargs.pop("username", "petugas1"), **kwargs)
        db.session.commit()


def test_sentences_read_like_indonesian(app, people):
    record(app, "service_changed", "service", people["service"], closes_at=["16:00:00", "12:00:00"],
           allow_priority=[True, False])
    record(app, "resident_updated", "resident", people["yohanes"], fields=["address", "rt"])
    record(app, "residents_exported", "resident", None, format="xlsx", masked=False, rows=8000,
           reason="Permintaan camat", filters={"rw": "002"})
    record(app, "queue_resident_linked", "ticket", 1, resident_id=people["yohanes"], code="A-012")
    record(app, "setting_changed", "setting", "require_2fa", old=None, new=True)
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        resolver = Resolver(rows)
        texts = [sentence(r, resolver) for r in rows]
        objects = [resolver.named(r) for r in rows]
    assert texts[0] == ("Menerima antrian prioritas diubah dari ya menjadi tidak. "
                        "Jam tutup diubah dari 16.00 menjadi 12.00.")
    assert objects[0].text() == "Layanan: B · Surat Domisili"
    assert texts[1] == "Kolom yang diubah: Alamat, RT."
    assert objects[1].text() == "Penduduk: Yohanes Bria (NIK 537105******0001)"
    assert texts[2] == ("Ekspor berkas .xlsx, 8.000 baris, NIK/KK lengkap, alasan: «Permintaan camat». "
                        "Saringan: RW 002.")
    assert objects[2].text() == "Penduduk: beberapa data"
    assert texts[3] == "Nomor A-012 dihubungkan dengan Yohanes Bria (NIK 537105******0001)."
    assert texts[4] == "Diubah dari «(kosong)» menjadi «ya»."
    assert objects[4].name == "Wajib verifikasi dua langkah"
    assert not any("{" in t or "[" in t or "resident:" in t for t in texts)


def test_values_never_show_a_full_nik_or_python(app):
    with app.app_context():
        assert value_text(f"NIK {NIK} salah") == "NIK 537105******0001 salah"
        assert value_text(["a", 2]) == "a, 2" and value_text("clerk") == "Petugas loket"
        assert value_text("08:30:00") == "08.30" and value_text(None) == "(kosong)"


def test_audit_page_shows_names_not_ids(app, client, login_as, people):
    record(app, "resident_viewed", "resident", people["yohanes"])
    login_as("supervisor")
    text = client.get("/audit").get_data(as_text=True)
    assert "Data penduduk dibuka" in text and "Yohanes Bria" in text and "NIK 537105******0001" in text
    assert NIK not in text and f"resident:{people['yohanes']}" not in text


def test_search_by_name_offers_a_choice_and_by_nik_finds_one(app, client, login_as, people):
    record(app, "resident_viewed", "resident", people["yohanes"])
    record(app, "resident_viewed", "resident", people["maria"])
    login_as("supervisor")
    choice = client.get("/audit?penduduk=yohanes").get_data(as_text=True)
    assert "Pilih penduduk" in choice and "Yohanes Bria" in choice and "Yohanes Nope" in choice
    assert "537105******0002" in choice and "5371051203900002" not in choice
    by_nik = client.get(f"/audit?penduduk={NIK}").get_data(as_text=True)
    body = by_nik.split("<tbody>")[1].split("</tbody>")[0]
    assert "Menampilkan semua catatan yang menyangkut" in by_nik and body.count("<tr>") == 1
    assert "Maria Ndun" not in body
    nobody = client.get("/audit?penduduk=zzzz")
    assert nobody.status_code == 400 and "Tidak ada penduduk yang cocok" in nobody.get_data(as_text=True)


def test_access_report_gathers_everything_that_touched_the_resident(app, client, login_as, people):
    y = people["yohanes"]
    record(app, "resident_viewed", "resident", y, username="petugas1")
    record(app, "resident_nik_revealed", "resident", y, username="petugas2")
    record(app, "resident_updated", "resident", y, fields=["phone"])
    record(app, "residents_exported", "resident", None, format="csv", masked=True, rows=1, filters={"rw": "002"})
    record(app, "residents_exported", "resident", None, format="csv", masked=True, rows=1, filters={"rw": "009"})
    record(app, "queue_resident_linked", "ticket", 5, resident_id=y, code="B-001")
    record(app, "letter_issued", "letter", 7, resident_id=y, number="470/001")
    record(app, "resident_viewed", "resident", people["maria"])
    login_as("supervisor")
    text = client.get(f"/laporan/akses/{y}").get_data(as_text=True)
    body = text.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 6  # view, reveal, edit, the RW 002 export, the counter, the letter
    for kind in ("Dilihat", "NIK/KK ditampilkan", "Diubah", "Diekspor", "Dilayani di loket", "Surat"):
        assert f"<td>{kind}</td>" in body
    assert "petugas2" in body and "Maria" not in body and "RW 009" not in body
    assert 'id="jumlah-akses">6<' in text and "LAPORAN RIWAYAT AKSES" in text
    with app.app_context():
        tomorrow = office_today() + timedelta(days=1)
    empty = client.get(f"/laporan/akses/{y}?dari={tomorrow.isoformat()}").get_data(as_text=True)
    assert 'id="jumlah-akses">0<' in empty
    exported = client.get(f"/laporan/akses/{y}?format=csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    header = next(r for r in rows if r and r[0] == "Waktu (WITA)")
    assert header[:3] == ["Waktu (WITA)", "Pengguna", "Jenis akses"]
    assert sum(1 for r in rows if len(r) > 3 and r[2] in ("Dilihat", "Diubah", "Surat")) == 3
    assert NIK not in exported


def test_opening_or_exporting_the_access_report_is_audited_and_shows_in_the_next_one(app, client, login_as, people):
    y = people["yohanes"]
    login_as("supervisor", "lurah")
    assert 'id="jumlah-akses">0<' in client.get(f"/laporan/akses/{y}").get_data(as_text=True)
    client.get(f"/laporan/akses/{y}?format=csv")
    with app.app_context():
        rows = db.session.execute(select(AuditLog.action, AuditLog.object_type, AuditLog.object_id)
                                  .where(AuditLog.action.like("access_report_%")).order_by(AuditLog.id)).all()
    assert rows == [("access_report_viewed", "resident", str(y)), ("access_report_exported", "resident", str(y))]
    again = client.get(f"/laporan/akses/{y}").get_data(as_text=True)
    body = again.split("<tbody>")[1].split("</tbody>")[0]
    assert 'id="jumlah-akses">2<' in again
    assert "<td>Riwayat aksesnya dibuka</td>" in body and "<td>Riwayat aksesnya diekspor</td>" in body
    assert "lurah" in body
    assert client.get("/laporan/akses/999999").status_code == 404
    with app.app_context():  # a resident that does not exist leaves no row
        assert db.session.scalar(select(db.func.count()).select_from(AuditLog)
                                 .where(AuditLog.action.like("access_report_%"))) == 3


def test_resident_page_links_to_its_access_history_for_supervisors_only(app, client, login_as, people):
    login_as("supervisor")
    page = client.get(f"/penduduk/{people['yohanes']}").get_data(as_text=True)
    assert f'href="/laporan/akses/{people["yohanes"]}">Riwayat akses<' in page
    client.post("/keluar")
    login_as("clerk")
    assert "Riwayat akses" not in client.get(f"/penduduk/{people['yohanes']}").get_data(as_text=True)


def test_audit_date_range_and_export(app, client, login_as, people):
    with app.app_context(), write_intent():
        old = audit.record("resident_viewed", "resident", people["maria"], username="lama")
        old.at = now_utc() - timedelta(days=40)
        db.session.commit()
    record(app, "resident_viewed", "resident", people["maria"], username="baru")
    login_as("admin")
    with app.app_context():
        today = office_today()
    recent = client.get(f"/audit?dari={(today - timedelta(days=7)).isoformat()}&sampai={today.isoformat()}")
    text = recent.get_data(as_text=True)
    assert "baru" in text and ">lama<" not in text
    bad = client.get("/audit?dari=31-02-2026")
    assert bad.status_code == 400 and "Tanggal tidak dikenali" in bad.get_data(as_text=True)
    exported = client.get("/audit?format=csv&pengguna=lama").get_data(as_text=True)
    assert "lama" in exported and "Maria Ndun" in exported and "Data penduduk dibuka" in exported
