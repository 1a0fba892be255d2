"""The report pages over HTTP: who may open them, what they show, exports, bad input, and no write in a GET."""
import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from kupang.extensions import db
from kupang.timeutil import local_day_bounds, now_utc, office_today
from tests.queue.core_fixtures import add_counter, add_service

from .builders import add_event, add_resident, add_ticket

PAGES = ["/laporan/antrian", "/laporan/antrian?periode=hari", "/laporan/antrian?periode=tahun",
         "/laporan/penduduk", "/laporan/penduduk?bagian=piramida", "/laporan/penduduk?bagian=rincian",
         "/laporan/penduduk?bagian=nik", "/laporan/skm", "/laporan/akses/1", "/audit", "/"]


@pytest.fixture
def data(app, make_user):
    """A clerk and a service whose names look like formulas, a counter, tickets today, residents and an event."""
    clerk = make_user("clerk", "jahil", full_name="=HYPERLINK(\"http://x\")")
    with app.app_context():
        a = add_service("=HYPERLINK(\"x\")", "A", standard_minutes=20)
        counter = add_counter(1, [a])
        now = now_utc()
        # Three tickets of today, issued up to 50 minutes ago but never before midnight WITA (a run just after
        # midnight put them on the previous day, and "Hari ini" had none).
        first = max(now - timedelta(minutes=50), local_day_bounds(office_today())[0])
        for minutes in (0, 1, 2):
            add_ticket(a, first + timedelta(minutes=minutes), wait=5, service=5, counter_id=counter, clerk_id=clerk)
        rid = add_resident("Yohanes Bria", 1, "002", nik="5371051203900001")
        add_resident("Maria Ndun", 2, "003")
        add_event(rid, "pindah_datang", office_today() - timedelta(days=1))
    return a


@pytest.mark.parametrize("path", PAGES[:-1])
def test_clerks_see_no_report(client, login_as, data, path):
    login_as("clerk")
    assert client.get(path).status_code == 403


def test_visitors_are_sent_to_login(client, data):
    for path in PAGES[:-1]:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_open_every_report(client, login_as, data, role):
    login_as(role)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert "<svg" in text or "<table" in text


def test_queue_report_shows_figures_and_an_svg_with_its_table(client, login_as, data):
    login_as("supervisor")
    text = client.get("/laporan/antrian?periode=hari").get_data(as_text=True)
    assert 'id="grafik-layanan"' in text and 'role="img"' in text and "<title" in text
    assert 'id="tabel-layanan"' in text and "Dalam standar (%)" in text
    assert "Periode: Hari ini" in text and "KANTOR KELURAHAN" in text  # the printed header
    assert "&lt;script" not in text and "=HYPERLINK" in text  # the name is shown as text


def test_population_report_sections(app, client, login_as, data):
    login_as("supervisor")
    with app.app_context():
        month = office_today().strftime("%Y-%m")
    march = client.get(f"/laporan/penduduk?bagian=mutasi&bulan={month}").get_data(as_text=True)
    assert "Laporan mutasi penduduk" in march and 'colspan="2" scope="colgroup" class="group">Datang<' in march
    assert "RW 002" in march and 'colspan="3" scope="colgroup" class="group">Awal bulan<' in march
    assert "report-landscape" in march
    pyramid = client.get("/laporan/penduduk?bagian=piramida").get_data(as_text=True)
    assert 'id="grafik-piramida"' in pyramid and "75+" in pyramid
    details = client.get("/laporan/penduduk?bagian=rincian").get_data(as_text=True)
    assert "Menurut agama" in details and "Menurut pekerjaan" in details and "RW 002 / RT 001" in details


def test_exports_are_formula_safe(client, login_as, data):
    login_as("supervisor")
    response = client.get("/laporan/antrian?periode=hari&format=csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'attachment; filename="laporan-antrian-' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[2] == ["Laporan statistik antrian"] and rows[3][0].startswith("Periode: Hari ini")
    cells = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert "'=HYPERLINK(\"http://x\")" in cells  # the clerk's row, neutralised
    assert not any(cell.startswith("=") for row in rows for cell in row)
    book = load_workbook(io.BytesIO(client.get("/laporan/antrian?periode=hari&format=xlsx").data))
    sheet = book["Per layanan"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    assert any(row[1].value == 3 for row in sheet.iter_rows(min_row=7) if len(row) > 1)  # issued, as a number
    for path in ("/laporan/penduduk?bagian=mutasi", "/laporan/penduduk?bagian=rincian", "/laporan/skm",
                 "/laporan/akses/1", "/audit"):
        for fmt in ("csv", "xlsx"):
            assert client.get(f"{path}{'&' if '?' in path else '?'}format={fmt}").status_code == 200, (path, fmt)


@pytest.mark.parametrize("query, message", [
    ("periode=rentang&dari=2026-02-30&sampai=2026-03-01", "tanggal yang benar"),
    ("periode=rentang&dari=2026-03-05&sampai=2026-03-01", "sebelum atau sama"),
    ("periode=rentang&dari=2020-01-01&sampai=2026-03-01", "dua tahun"),
])
def test_bad_periods_are_explained(client, login_as, data, query, message):
    login_as("supervisor")
    for path in ("/laporan/antrian", "/laporan/skm"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_hostile_numbers_and_months_are_ignored(client, login_as, data):
    login_as("supervisor")
    assert client.get("/laporan/skm?layanan=99999999999999999999999").status_code == 200
    assert client.get("/laporan/akses/99999999999999999999999").status_code == 404
    response = client.get("/laporan/penduduk?bagian=mutasi&bulan=3000-01")
    assert response.status_code == 400 and "masa depan" in response.get_data(as_text=True)
    assert client.get("/laporan/penduduk?bagian=xyz&format=pdf").status_code == 200
    assert client.get("/laporan/antrian?periode=rentang&dari=28-11-2026&sampai=30-11-2026").status_code == 200


def test_typed_indonesian_dates_are_read(client, login_as, data):
    login_as("supervisor")
    text = client.get("/laporan/antrian?periode=rentang&dari=01-11-2026&sampai=30-11-2026").get_data(as_text=True)
    assert "1–30 November 2026" in text


def test_no_write_in_any_report_get(app, client, login_as, data):
    """Every report page and export only reads: no INSERT, UPDATE or DELETE reaches the database, except the one
    audit row of opening a resident's access report (who saw whose data is itself audited, by begin_write)."""
    login_as("supervisor")
    writes = []

    def spy(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        paths = PAGES + ["/laporan/antrian?format=xlsx", "/laporan/skm?format=csv", "/audit?penduduk=yohanes"]
        for path in paths:
            assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    audited = sum(1 for path in paths if path.startswith("/laporan/akses/"))
    assert audited == 1
    assert [" ".join(w.split()[:3]) for w in writes] == ["INSERT INTO audit_log"] * audited


def test_report_pages_fit_the_budget(client, login_as, data):
    login_as("supervisor")
    for path in PAGES:
        assert len(client.get(path).data) < 60_000, path


def test_mutation_month_parameter(app, client, login_as, data):
    login_as("supervisor")
    with app.app_context():
        today = office_today()
    month = date(today.year, today.month, 1)
    text = client.get(f"/laporan/penduduk?bagian=mutasi&bulan={month:%Y-%m}").get_data(as_text=True)
    assert "Datang" in text and f'value="{month:%Y-%m}"' in text
