"""The home page's 'today at a glance' numbers."""
from datetime import date

from kupang.extensions import db
from kupang.queue.models import Service, Ticket
from kupang.registry.models import Resident
from kupang.timeutil import now_utc, office_today


def add_data(app):
    """Three living residents (two with NIK), one merged, one dead; three tickets today, one yesterday."""
    with app.app_context():
        def person(name, nik=None, **kw):
            db.session.add(Resident(name=name, sex=1, nik=nik, kelurahan_code="53.71.05.1005", **kw))
        person("Yohanes Ndun", "5371051203800001")
        person("Maria Bria", "5371055203850002")
        person("Petrus Manafe")
        person("Petrus Manafe (ganda)", merged_into_id=None, life_status="hidup")
        person("Almarhum Lay", "5371050101500003", life_status="mati")
        db.session.flush()
        dup = db.session.scalars(db.select(Resident).where(Resident.name.like("%ganda%"))).one()
        dup.merged_into_id = db.session.scalars(db.select(Resident.id).where(Resident.name == "Petrus Manafe")).one()
        service = Service(name="Pengantar KTP/KK", prefix="A")
        db.session.add(service)
        db.session.flush()
        now = now_utc()
        today = office_today()
        for number, status in enumerate(["done", "waiting", "no_show"], start=1):
            db.session.add(Ticket(numbered_service_id=service.id, service_id=service.id, day=today, number=number,
                                  code=f"A-{number:03d}", status=status, token=f"t{number}", issued_at=now,
                                  called_at=now if status != "waiting" else None,
                                  finished_at=now if status == "done" else None))
        db.session.add(Ticket(numbered_service_id=service.id, service_id=service.id, day=date(2020, 1, 1),
                              number=9, code="A-009", status="done", token="old", issued_at=now))
        db.session.commit()


def test_summary_counts_living_unmerged_residents_and_todays_tickets(app):
    from kupang.dashboard.summary import today_summary

    add_data(app)
    with app.app_context():
        summary = today_summary()
    assert (summary.residents, summary.with_nik) == (3, 2)
    assert round(summary.nik_percent, 1) == 66.7
    assert (summary.issued_today, summary.waiting_now, summary.served_today, summary.no_show_today) == (3, 1, 1, 1)


def test_home_page_shows_the_summary_without_personal_data(app, client, login_as):
    add_data(app)
    login_as("clerk")
    body = client.get("/").get_data(as_text=True)
    assert "Sekilas hari ini" in body and "66,7%" in body and "1 belum ada NIK" in body
    assert "5371051203800001" not in body and "Yohanes" not in body


def test_supervisor_home_shows_no_personal_data(app, client, login_as):
    add_data(app)
    login_as("supervisor", "lurah1")
    body = client.get("/").get_data(as_text=True)
    assert "Antrian sekarang" in body and "Kelengkapan NIK" in body and "66,7" in body
    assert "5371051203800001" not in body and "Yohanes" not in body


def test_supervisor_home_shows_a_danger_notice_as_an_error(client, login_as):
    """No backup key yet: the admin's home warns in red with role=alert (a 'flash-danger' class has no style)."""
    login_as("admin", "admin1")
    body = client.get("/").get_data(as_text=True)
    assert '<p class="flash flash-error" role="alert">Pencadangan belum diatur' in body
    assert "flash-danger" not in body
