"""Admin pages for services, counters and devices: validation in Indonesian, audit rows, one-time codes."""
from datetime import time

import pytest
from sqlalchemy import func, select

from kupang.audit import AuditLog
from kupang.extensions import db
from kupang.queue.models import Counter, Device, Service

from .core_fixtures import add_service

GOOD_SERVICE = {"name": "Surat Keterangan Domisili", "prefix": "b", "requirements": " KTP asli \n\n Kartu Keluarga ",
                "opens_at": "08:00", "closes_at": "14:30", "daily_cap": "60", "minutes_per_ticket": "7",
                "allow_priority": "y", "active": "y", "sort_order": "2"}


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def audit_actions(app):
    with app.app_context():
        return db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()


def test_services_page_lists_and_links(app, client, admin):
    with app.app_context():
        add_service("Pengantar KTP/KK", "A", daily_cap=None)
    body = client.get("/admin/layanan").get_data(as_text=True)
    assert "Pengantar KTP/KK" in body and "tanpa batas" in body and "belum ada loket" in body
    assert "/admin/layanan/baru" in body and "/admin/loket" in body and "/admin/perangkat" in body


def test_admin_adds_a_service(app, client, admin):
    response = client.post("/admin/layanan/baru", data=GOOD_SERVICE)
    assert response.status_code == 303
    with app.app_context():
        service = db.session.scalar(select(Service))
        assert (service.name, service.prefix, service.daily_cap, service.minutes_per_ticket) == \
            ("Surat Keterangan Domisili", "B", 60, 7)
        assert service.requirement_list == ["KTP asli", "Kartu Keluarga"]
        assert (service.opens_at, service.closes_at) == (time(8, 0), time(14, 30))
        assert service.allow_priority and service.active
    assert "service_created" in audit_actions(app)
    assert "08.00–14.30 WITA" in client.get("/admin/layanan").get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Wajib diisi."),
    ("prefix", "AB", "satu huruf A sampai Z"),
    ("prefix", "1", "satu huruf A sampai Z"),
    ("prefix", "A", "sudah dipakai layanan Pengantar KTP/KK"),
    ("closes_at", "07:00", "Jam tutup harus setelah jam buka."),
    ("opens_at", "25:00", "Jam tidak valid"),
    ("daily_cap", "0", "Kuota harus antara 1 dan 9999."),
    ("daily_cap", "banyak", "bilangan bulat"),
    ("minutes_per_ticket", "0", "antara 1 dan 240"),
    ("requirements", "x" * 2001, "Maksimal 2000 karakter."),
])
def test_bad_service_input_is_explained_and_changes_nothing(app, client, admin, field, value, message):
    with app.app_context():
        add_service("Pengantar KTP/KK", "A")
    response = client.post("/admin/layanan/baru", data={**GOOD_SERVICE, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Service) == 1


def test_admin_edits_a_service_with_an_audited_diff(app, client, admin):
    with app.app_context():
        service_id = add_service("Domisili", "A", daily_cap=None)
    form = client.get(f"/admin/layanan/{service_id}").get_data(as_text=True)
    assert 'value="Domisili"' in form
    response = client.post(f"/admin/layanan/{service_id}", data={**GOOD_SERVICE, "prefix": "A", "active": ""})
    assert response.status_code == 303
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert service.name == "Surat Keterangan Domisili" and not service.active and service.daily_cap == 60
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "service_changed"))
        assert row.detail_data["active"] == [True, False] and row.detail_data["daily_cap"] == [None, 60]
    assert client.get("/admin/layanan/999").status_code == 404


def test_admin_adds_and_edits_a_counter(app, client, admin):
    with app.app_context():
        a = add_service("Domisili", "A")
        b = add_service("SKTM", "B")
    page = client.get("/admin/loket/baru").get_data(as_text=True)
    assert "A · Domisili" in page and 'type="checkbox"' in page
    response = client.post("/admin/loket/baru", data={"number": "2", "name": "Loket Umum", "services": [a, b],
                                                      "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        counter = db.session.scalar(select(Counter))
        assert counter.number == 2 and {s.prefix for s in counter.services} == {"A", "B"}
        counter_id = counter.id
    assert "Loket Umum" in client.get("/admin/loket").get_data(as_text=True)
    edit = client.get(f"/admin/loket/{counter_id}").get_data(as_text=True)
    assert edit.count("checked") == 3  # both services and "active"
    client.post(f"/admin/loket/{counter_id}", data={"number": "2", "name": "Loket Umum", "services": [b],
                                                    "active": "y"})
    with app.app_context():
        assert [s.prefix for s in db.session.get(Counter, counter_id).services] == ["B"]
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "counter_changed"))
        assert row.detail_data["services"] == [["A", "B"], ["B"]]
    assert audit_actions(app).count("counter_created") == 1


@pytest.mark.parametrize("data, message", [
    ({"number": "1", "services": "S"}, "Loket 1 sudah ada."),
    ({"number": "0", "services": "S"}, "antara 1 dan 99"),
    ({"number": "", "services": "S"}, "Wajib diisi."),
    ({"number": "3"}, "Pilih minimal satu layanan."),
    ({"number": "3", "services": "999"}, "bukan pilihan yang valid"),
])
def test_bad_counter_input_changes_nothing(app, client, admin, data, message):
    with app.app_context():
        a = add_service("Domisili", "A")
    client.post("/admin/loket/baru", data={"number": "1", "services": [a]})
    data = {**data, "services": [a] if data.get("services") == "S" else data.get("services", [])}
    response = client.post("/admin/loket/baru", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Counter) == 1


def test_device_page_shows_the_pairing_code_once(app, client, admin):
    response = client.post("/admin/perangkat", data={"kind": "kiosk", "name": "Kiosk ruang tunggu"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "http://localhost/perangkat/pasang?kode=" in body
    code = body.split("kode=")[1].split('"')[0]
    assert code in body.split("Kode:")[1]
    later = client.get("/admin/perangkat").get_data(as_text=True)
    assert code not in later and "Kiosk ruang tunggu" in later and "Menunggu pemasangan" in later
    assert client.post("/perangkat/pasang", data={"code": code}).status_code == 303
    assert "Terpasang" in client.get("/admin/perangkat").get_data(as_text=True)
    assert audit_actions(app)[-2:] == ["device_created", "device_paired"]


def test_device_form_validation(app, client, admin):
    response = client.post("/admin/perangkat", data={"kind": "printer", "name": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Pilihan tidak valid" in body and "Wajib diisi." in body
    assert count(app, Device) == 0


def test_admin_revokes_and_renews(app, client, admin):
    client.post("/admin/perangkat", data={"kind": "display", "name": "TV"})
    with app.app_context():
        device_id = db.session.scalar(select(Device.id))
    renewed = client.post(f"/admin/perangkat/{device_id}/kode-baru").get_data(as_text=True)
    assert "perangkat/pasang?kode=" in renewed
    response = client.post(f"/admin/perangkat/{device_id}/cabut", follow_redirects=True)
    assert "dicabut" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Device, device_id).revoked_at is not None
    again = client.post(f"/admin/perangkat/{device_id}/kode-baru", follow_redirects=True)
    assert "sudah dicabut" in again.get_data(as_text=True)
    assert client.post("/admin/perangkat/999/cabut").status_code == 404
    assert audit_actions(app)[-2:] == ["device_code_renewed", "device_revoked"]


def test_admin_navigation_shows_the_queue_pages(client, admin):
    body = client.get("/admin/layanan").get_data(as_text=True)
    assert 'href="/admin/layanan"' in body and 'href="/admin/perangkat"' in body


def test_admin_chooses_the_ticket_paper_width(app, client, admin):
    from kupang.db import write_intent
    from kupang.queue.numbering import issue_ticket

    with app.app_context(), write_intent():
        service = db.session.get(Service, add_service("Domisili", "A"))
        token = issue_ticket(service).token
        db.session.commit()
    assert "ticket-80.css" not in client.get(f"/tiket/{token}/cetak").get_data(as_text=True)
    bad = client.post("/admin/perangkat/kertas", data={"width": "100"}, follow_redirects=True)
    assert "Pilih lebar kertas 58 mm atau 80 mm." in bad.get_data(as_text=True)
    client.post("/admin/perangkat/kertas", data={"width": "80"})
    assert "ticket-80.css" in client.get(f"/tiket/{token}/cetak").get_data(as_text=True)
    assert "ticket-80.css" not in client.get(f"/tiket/{token}/cetak?lebar=58").get_data(as_text=True)
    assert 'value="80" selected' in client.get("/admin/perangkat").get_data(as_text=True)
    assert audit_actions(app)[-1] == "setting_changed"
