"""/kota over HTTP: who may open what (office 404, clerk 403, a kecamatan user only theirs), audit, masking."""
import pytest
from sqlalchemy import select

from kupang.audit import AuditLog
from kupang.extensions import db
from kupang.registry.masking import mask_nik
from kupang.timeutil import office_today
from tests.city.kota.fixtures import N2, N6, N8, A, B, C, build_city, build_services
from tests.conftest import AuthActions

PAGES = ["/kota", "/kota/kecamatan/53.71.05", f"/kota/kelurahan/{A}", "/kota/penduduk", "/kota/antrian",
         "/kota/skm", "/kota/surat", "/kota/dua-kelurahan", "/kota/pindah"]
PERSON_LISTS = ["/kota/dua-kelurahan", "/kota/pindah"]


@pytest.fixture
def city(app):
    """The fed fixture city, with this month's services."""
    build_city(app)
    build_services(app)
    return app


def text(response):
    return response.get_data(as_text=True)


def main(response):
    """The page's <main> only (the header names the server)."""
    return text(response).split("<main", 1)[1]


@pytest.mark.parametrize("path", PAGES)
def test_office_answers_404(office_app, path):
    from kupang.auth.accounts import create_user
    from kupang.db import write_intent
    from tests.conftest import PASSWORD

    with office_app.app_context(), write_intent():
        create_user("admin1", "admin", PASSWORD, must_change=False)
        db.session.commit()
    client = office_app.test_client()
    assert AuthActions(client).login("admin1").status_code == 302
    response = client.get(path)
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in text(response)


def test_city_pages_by_role(city, client, make_user, auth):
    make_user("clerk", "petugas1")
    make_user("supervisor", "walikota")
    make_user("admin", "admin1")
    assert client.get("/kota").status_code == 302  # not logged in: the login page
    auth.login("petugas1")
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    auth.logout()
    for name in ("walikota", "admin1"):
        auth.login(name)
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 200, (name, path, text(response)[:300])
        auth.logout()


def test_city_overview_shows_hand_counted_figures_and_sync_warnings(city, client, login_as):
    login_as("supervisor")
    page = text(client.get("/kota"))
    assert "Kecamatan Kota Raja" in page and "Kecamatan Oebobo" in page
    # city total: 10 living, 6 with NIK, 4 without, 60,0 %
    assert '<tfoot><tr><th scope="row">Kota Kupang</th><td class="num">10</td><td class="num">6</td>' \
           '<td class="num">4</td><td class="num">60,0</td>' in page
    assert "belum pernah sinkron" in page and "lebih dari 24 jam" in page
    assert page.count("Perhatian:") == 2  # B (49 h) and C (never); A pushed an hour ago


def test_kecamatan_supervisor_sees_only_their_kecamatan(city, client, make_user, auth):
    make_user("supervisor", "camat.oebobo", area_code="53.71.04")
    auth.login("camat.oebobo")
    page = main(client.get("/kota"))
    assert "Kecamatan Oebobo" in page and "Kecamatan Kota Raja" not in page
    assert "Naikoten" not in page  # the other kecamatan's offices are not in the sync table
    assert client.get("/kota/kecamatan/53.71.05").status_code == 403
    assert client.get(f"/kota/kelurahan/{A}").status_code == 403
    assert client.get("/kota/kecamatan/53.71.04").status_code == 200
    assert client.get(f"/kota/kelurahan/{C}").status_code == 200
    shared = text(client.get("/kota/dua-kelurahan"))
    assert mask_nik(N2) in shared and mask_nik(N8) not in shared
    moves = text(client.get("/kota/pindah"))
    assert mask_nik(N6) not in moves and "Belum ada perpindahan" in moves
    queue = main(client.get("/kota/antrian"))
    assert "Oebobo" in queue and "Naikoten Dua" not in queue
    letters = main(client.get("/kota/surat"))
    assert "Surat Keterangan Tidak Mampu" in letters and "Domisili" not in letters
    population = main(client.get("/kota/penduduk?bulan=2026-11"))
    assert "Kecamatan Oebobo" in population and "Naikoten" not in population
    assert client.get("/kota/penduduk?kecamatan=53.71.05").status_code == 400  # not theirs: refused


def test_kota_raja_supervisor_sees_pairs_touching_it(city, client, make_user, auth):
    make_user("supervisor", "camat.kotaraja", area_code="53.71.05")
    auth.login("camat.kotaraja")
    shared = text(client.get("/kota/dua-kelurahan"))
    assert mask_nik(N2) in shared and mask_nik(N8) in shared
    assert mask_nik(N6) in text(client.get("/kota/pindah"))


@pytest.mark.parametrize("path", PERSON_LISTS)
def test_person_lists_are_audited_and_masked(city, client, login_as, path):
    login_as("supervisor")
    response = client.get(path)
    page = text(response)
    for nik in (N2, N6, N8):
        assert nik not in page
    assert mask_nik(N2 if "dua" in path else N6) in page
    with city.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "city_residents_listed")).all()
        assert len(rows) == 1
        detail = rows[0].detail_data
        assert rows[0].username == "supervisor1" and detail["shown"] >= 2
        assert (f"{A}:3" if "dua" in path else f"{A}:6") in detail["records"]


def test_figures_on_the_service_pages(city, client, login_as):
    login_as("supervisor")
    with city.app_context():
        month = office_today().strftime("%Y-%m")
    queue = text(client.get(f"/kota/antrian?bulan={month}"))
    assert "Naikoten Dua" in queue and "13,3" in queue and "15,0" in queue and "25,0" in queue
    skm = text(client.get("/kota/skm"))
    assert "87,50" in skm and "100,00" in skm
    letters = main(client.get("/kota/surat"))
    assert "Surat Keterangan Domisili" in letters
    population = text(client.get("/kota/penduduk?bulan=2026-11"))
    assert "Kecamatan Kota Raja" in population and "November 2026" in population
    drill = text(client.get("/kota/penduduk?bulan=2026-11&kecamatan=53.71.05"))
    assert "Naikoten Satu" in drill and "Naikoten Dua" in drill and '<th scope="row">Kecamatan Oebobo' not in drill
    rw = text(client.get(f"/kota/kelurahan/{A}"))
    assert "RW 001" in rw and "RW 002" in rw
    kecamatan = text(client.get("/kota/kecamatan/53.71.05"))
    assert f'href="/kota/kelurahan/{B}"' in kecamatan


@pytest.mark.parametrize("path, message", [
    ("/kota/penduduk?bulan=abc", "Bulan tidak dikenali"),
    ("/kota/penduduk?bulan=2999-01", "Bulan tidak boleh di masa depan"),
    ("/kota/penduduk?kecamatan=99.99", "Kecamatan tidak dikenal"),
    ("/kota/antrian?bulan=13-2026", "Bulan tidak dikenali"),
    ("/kota/skm?bulan=%00", "Permintaan tidak valid"),
    ("/kota/surat?bulan=2026-99", "Bulan tidak dikenali"),
])
def test_bad_parameters_get_an_indonesian_message(city, client, login_as, path, message):
    login_as("supervisor")
    response = client.get(path)
    assert response.status_code == 400
    assert message in text(response)


@pytest.mark.parametrize("path", ["/kota/kecamatan/xyz", "/kota/kecamatan/53.72.01", "/kota/kelurahan/53.71.05",
                                  "/kota/kelurahan/99.99.99.9999"])
def test_unknown_areas_are_404_in_indonesian(city, client, login_as, path):
    login_as("admin")
    response = client.get(path)
    assert response.status_code == 404 and "Halaman tidak ditemukan" in text(response)


@pytest.mark.parametrize("path", ["/kota/dua-kelurahan?halaman=abc", "/kota/pindah?halaman=99999999999999",
                                  "/kota/pindah?halaman=-1"])
def test_bad_page_numbers_fall_back(city, client, login_as, path):
    login_as("supervisor")
    assert client.get(path).status_code == 200


def test_city_menu_shows_the_city_pages(city, client, login_as):
    login_as("admin")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/kota"
    header = text(client.get("/kota")).split("<main", 1)[0]
    for path in ("/kota", "/kota/penduduk", "/kota/antrian", "/kota/skm", "/kota/surat", "/kota/dua-kelurahan",
                 "/kota/pindah", "/pengguna"):
        assert f'href="{path}"' in header, path
    for office_page in ('href="/loket"', 'href="/penduduk"', 'href="/laporan/antrian"'):
        assert office_page not in header
    assert "Pemerintah Kota Kupang" in header


def test_office_menu_has_no_city_pages(office_app):
    from kupang.auth.accounts import create_user
    from kupang.db import write_intent
    from tests.conftest import PASSWORD

    with office_app.app_context(), write_intent():
        create_user("admin1", "admin", PASSWORD, must_change=False)
        db.session.commit()
    client = office_app.test_client()
    AuthActions(client).login("admin1")
    home = client.get("/")
    assert home.status_code == 200
    page = text(home)
    assert 'href="/kota' not in page and 'href="/penduduk"' in page
