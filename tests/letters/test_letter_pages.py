"""Letters pages by role, the register and its exports, the admin editor, and the links from other areas."""
import io
import zipfile

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.letters.models import Letter, LetterType, Signatory
from kupang.settings import get_setting

from .fixtures import DOMISILI, draft, letter_row, letters_office, person


@pytest.fixture
def office(app):
    """Letter types, a signatory, a resident and one issued letter (issued by clerk1)."""
    types, signatory = letters_office(app)
    return {"types": types, "signatory": signatory, "resident": person(app)}


def issued_letter(app, client, office, values=None):
    letter_id = draft(app, DOMISILI, office["resident"], values=values)
    assert client.post(f"/surat/{letter_id}/terbitkan",
                       data={"version": 0, "signatory_id": office["signatory"]}).status_code == 303
    return letter_id


def test_a_supervisor_reads_the_register_but_cannot_draft_issue_print_or_void(app, client, auth, make_user, office):
    make_user("clerk", "clerk1")
    make_user("supervisor", "supervisor1")
    auth.login("clerk1")
    letter_id = issued_letter(app, client, office)
    auth.logout()
    auth.login("supervisor1")
    assert client.get("/surat").status_code == 200
    page = client.get(f"/surat/{letter_id}").get_data(as_text=True)
    assert "Batalkan surat" not in page and "Cetak A4" not in page
    for method, url in (("get", "/surat/baru"), ("get", f"/surat/{letter_id}/cetak"),
                        ("post", f"/surat/{letter_id}/batalkan"), ("post", "/surat/baru"),
                        ("get", "/admin/surat")):
        assert getattr(client, method)(url).status_code == 403, url
    assert letter_row(app, letter_id).status == "issued"


def test_a_clerk_cannot_manage_letter_types(client, login_as, office):
    login_as("clerk")
    assert client.get("/admin/surat").status_code == 403
    assert client.post("/admin/surat/jenis/baru", data={"title": "x"}).status_code == 403


def test_register_filters_by_status_type_and_date_and_counts_per_month(app, client, login_as, office):
    login_as("clerk")
    first = issued_letter(app, client, office)
    pending = draft(app, DOMISILI, office["resident"])
    number = letter_row(app, first).number
    draft_link = f'href="/surat/{pending}">Draf</a>'
    page = client.get("/surat").get_data(as_text=True)
    assert number in page and draft_link in page and 'id="letter-counts"' in page
    issued_only = client.get("/surat?status=issued").get_data(as_text=True)
    assert number in issued_only and draft_link not in issued_only
    assert number not in client.get("/surat?status=void").get_data(as_text=True)
    assert number not in client.get(f"/surat?jenis={office['types']['Surat Keterangan Usaha']}").get_data(as_text=True)
    assert number not in client.get("/surat?dari=01-01-2000&sampai=02-01-2000").get_data(as_text=True)
    bad = client.get("/surat?dari=31-02-2026").get_data(as_text=True)
    assert "Tanggal tidak valid" in bad


def test_exports_are_formula_safe_and_mask_the_nik(app, client, login_as, office):
    login_as("clerk")
    letter_id = draft(app, DOMISILI, office["resident"], values={"keperluan": "x"})
    with app.app_context(), write_intent():
        letter = db.session.get(Letter, letter_id)
        db.session.get(__import__("kupang.registry.models", fromlist=["Resident"]).Resident,
                       letter.resident_id).name = "=HYPERLINK(\"http://x\")"
        db.session.commit()
    csv_text = client.get("/surat/ekspor?format=csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "537105******0001" in csv_text and "5371051203900001" not in csv_text
    data = client.get("/surat/ekspor?format=xlsx").get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet


def test_resident_page_links_to_letters_and_lists_them(app, client, login_as, office):
    login_as("clerk")
    letter_id = issued_letter(app, client, office)
    page = client.get(f"/penduduk/{office['resident']}").get_data(as_text=True)
    assert f'hx-get="/surat/penduduk/{office["resident"]}"' in page
    assert f'href="/surat/baru?penduduk={office["resident"]}"' in page
    fragment = client.get(f"/surat/penduduk/{office['resident']}", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "Surat yang pernah dibuat" in text and letter_row(app, letter_id).number in text


def serving_ticket(app, letter_service=True):
    """A clerk1 counter serving a ticket of a service that has (or has no) letter type; returns the ticket id."""
    from datetime import time

    from kupang.auth.models import User
    from kupang.queue import calling
    from kupang.queue.models import Counter, Service
    from kupang.queue.numbering import issue_ticket

    with app.app_context(), write_intent():
        service = Service(name="Surat Keterangan Domisili" if letter_service else "Konsultasi",
                          prefix="B" if letter_service else "K",
                          opens_at=time(0, 0), closes_at=time(23, 59, 59))
        db.session.add(service)
        db.session.flush()
        counter = Counter(number=1, name="Loket 1", services=[service])
        db.session.add(counter)
        db.session.flush()
        from kupang.letters.seed import seed_signatory, seed_types

        types = seed_types()
        if letter_service:
            types["Surat Keterangan Domisili"].service_id = service.id
        seed_signatory()
        user = db.session.scalar(select(User).where(User.username == "clerk1"))
        calling.open_counter(counter, user)
        issue_ticket(service)
        db.session.commit()
        ticket = calling.call_next_ticket(counter, user)
        db.session.commit()
        assert "Buat surat" not in client_free_panel(app, counter)  # called, not yet served: nothing offered
        calling.start_service(ticket, counter=counter)
        db.session.commit()
        return ticket.id


def client_free_panel(app, counter):
    """The counter panel's links for the current ticket, computed as the page does (inside a request)."""
    from kupang.queue import calling, serving_links

    with app.test_request_context():
        return " ".join(link.label for link in serving_links.collect(calling.current_ticket(counter)))


def test_counter_page_offers_buat_surat_while_serving_and_the_ticket_proposes_the_type(app, client, login_as):
    login_as("clerk")
    ticket_id = serving_ticket(app)
    page = client.get("/loket").get_data(as_text=True)
    assert f'href="/surat/baru?tiket={ticket_id}"' in page
    assert "untuk nomor B-001: Surat Keterangan Domisili." in page  # the type its service proposes
    assert page.index("Buat surat") < page.index("Selesai melayani")  # offered before "Selesai"
    rid = person(app)
    form = client.get(f"/surat/baru?tiket={ticket_id}&penduduk={rid}").get_data(as_text=True)
    assert "Surat Keterangan Domisili" in form and 'name="ticket_id"' in form
    with app.app_context():
        type_id = db.session.scalar(select(LetterType.id).where(LetterType.title == DOMISILI))
    response = client.post("/surat/baru", data={"resident_id": rid, "type_id": type_id, "ticket_id": ticket_id,
                                                "f_keperluan": "x"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Letter.ticket_id)) == ticket_id  # the ticket records its letter


def test_counter_page_offers_no_letter_for_a_service_without_a_letter_type(app, client, login_as):
    login_as("clerk")
    ticket_id = serving_ticket(app, letter_service=False)
    page = client.get("/loket").get_data(as_text=True)
    assert "Selesai melayani" in page  # the ticket is being served...
    assert "Buat surat" not in page and f"/surat/baru?tiket={ticket_id}" not in page  # ...with nothing to offer


def test_a_failing_serving_link_provider_never_takes_the_counter_down(app, client, login_as):
    from kupang.queue import serving_links

    def broken(_ticket):
        raise RuntimeError("boom")

    serving_links.register(app, broken)
    login_as("clerk")
    ticket_id = serving_ticket(app)
    response = client.get("/loket")
    assert response.status_code == 200
    assert f'href="/surat/baru?tiket={ticket_id}"' in response.get_data(as_text=True)  # the others still show


def test_new_letter_finds_the_resident_by_name(app, client, login_as, office):
    login_as("clerk")
    page = client.get("/surat/baru?cari=yohanes").get_data(as_text=True)
    assert f"/surat/baru?penduduk={office['resident']}" in page and "537105******0001" in page


# --- admin ----------------------------------------------------------------------------------------------


def type_form(**overrides):
    data = {"title": "Surat Keterangan Belum Menikah", "code": "474.3", "service_id": "", "needs_nik": "y",
            "resident_rule": "hidup", "validity_days": "30", "fields_text": "keperluan | Keperluan | teks | wajib",
            "requirements_text": "Surat pengantar RT/RW", "opening": "Yang bertanda tangan di bawah ini:",
            "body": "{{ penduduk.nama }} belum pernah menikah, untuk {{ surat.keperluan }}.", "closing": "Demikian.",
            "active": "y", "sort_order": "5"}
    data.update(overrides)
    return data


def test_admin_adds_a_type(app, client, login_as, office):
    login_as("admin")
    index = client.get("/admin/surat")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert "<title>Jenis surat · Kupang</title>" in page  # a plain title, nothing pasted into it
    head = page[:page.index("</head>")]
    assert "<section" not in head and page.count("Logo kop surat</h2>") == 1
    assert client.get("/admin/surat/jenis/baru").status_code == 200
    response = client.post("/admin/surat/jenis/baru", data=type_form())
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        saved = db.session.scalar(select(LetterType).where(LetterType.title == "Surat Keterangan Belum Menikah"))
        assert saved.fields == [{"name": "keperluan", "label": "Keperluan", "kind": "teks", "required": True}]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"body": "{{ penduduk.gaji }}"}, "placeholder {{ penduduk.gaji }} tidak dikenal"),
    ({"body": "{{ penduduk.nama "}, "penulisan placeholder salah"),
    ({"closing": "{{ ''.__class__ }}"}, "tidak dikenal"),
    ({"fields_text": "Keperluan Saya | x"}, "tidak valid"),
    ({"fields_text": "keperluan | Keperluan | angka"}, "jenis &#39;angka&#39; tidak dikenal"),
])
def test_admin_type_with_a_bad_template_is_not_saved(app, client, login_as, office, overrides, message):
    login_as("admin")
    type_id = office["types"][DOMISILI]
    with app.app_context():
        before = db.session.get(LetterType, type_id).body
    response = client.post(f"/admin/surat/jenis/{type_id}", data=type_form(title=DOMISILI, **overrides))
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Tidak disimpan." in text and message in text, text[-3000:]
    with app.app_context():
        assert db.session.get(LetterType, type_id).body == before


def test_live_preview_full_page_and_fragment(app, client, login_as, office):
    login_as("admin")
    page = client.get(f"/admin/surat/jenis/{office['types'][DOMISILI]}").get_data(as_text=True)
    assert 'id="type-preview"' in page and "Yohanes Benu" in page and "<html" in page
    fragment = client.post("/admin/surat/pratinjau", data=type_form(), headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and "Yohanes Benu belum pernah menikah" in text
    bad = client.post("/admin/surat/pratinjau", data=type_form(body="{{ penduduk.x }}")).get_data(as_text=True)
    assert "tidak dikenal" in bad


def test_admin_settings_and_signatories(app, client, login_as, office):
    login_as("admin")
    settings = {"atur-format": "{nomor}/{kode}/{tahun}", "atur-scope": "kantor", "atur-kelurahan": "NKT",
                "atur-pemerintah": "PEMERINTAH KOTA KUPANG", "atur-kecamatan": "", "atur-alamat": "Jl. A",
                "atur-telepon": "", "atur-email": ""}
    assert client.post("/admin/surat/pengaturan", data=settings).status_code == 303
    with app.app_context():
        assert get_setting("surat.format") == "{nomor}/{kode}/{tahun}" and get_setting("surat.scope") == "kantor"
    bad = client.post("/admin/surat/pengaturan", data={**settings, "atur-format": "{kode}/{tahun}"})
    assert bad.status_code == 400 and "harus memuat {nomor}" in bad.get_data(as_text=True)
    response = client.post("/admin/surat/penandatangan/baru", data={"name": "Maria Ndun", "nip": "",
                                                                   "position": "Sekretaris Kelurahan",
                                                                   "prefix": "a.n.", "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Signatory.prefix).where(Signatory.name == "Maria Ndun")) == "a.n."


def test_office_wide_numbering_setting_applies_to_issue(app, client, login_as, office):
    from kupang.settings import set_setting

    with app.app_context(), write_intent():
        set_setting("surat.scope", "kantor")
        set_setting("surat.format", "{nomor}/{kode}/{tahun}")
        db.session.commit()
    login_as("clerk")
    first = issued_letter(app, client, office)
    other = draft(app, "Surat Keterangan Tidak Mampu (SKTM)", office["resident"])
    client.post(f"/surat/{other}/terbitkan", data={"version": 0, "signatory_id": office["signatory"]})
    assert letter_row(app, first).number.startswith("0001/474/")
    assert letter_row(app, other).number.startswith("0002/400/")


def tiny_png(width=2, height=2):
    """A valid PNG of the given size (one grey pixel row repeated), built with zlib only."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_logo_upload_is_checked_and_issued_letters_keep_theirs(app, client, auth, make_user, office):
    make_user("admin", "admin1")
    make_user("clerk", "clerk1")
    auth.login("admin1")
    for data, message in ((b"GIF89a" + b"0" * 100, "harus gambar PNG atau SVG"),
                          (tiny_png() + b"0" * 300_000, "terlalu besar")):
        response = client.post("/admin/surat/logo", data={"logo": (io.BytesIO(data), "logo.png")},
                               content_type="multipart/form-data", follow_redirects=True)
        assert message in response.get_data(as_text=True)
        with app.app_context():
            assert not get_setting("surat.logo")
    first, second = tiny_png(), tiny_png(3, 3)
    client.post("/admin/surat/logo", data={"logo": (io.BytesIO(first), "logo.png")},
                content_type="multipart/form-data")
    auth.logout()
    auth.login("clerk1")
    letter_id = issued_letter(app, client, office)
    auth.logout()
    auth.login("admin1")
    client.post("/admin/surat/logo", data={"logo": (io.BytesIO(second), "logo.png")},
                content_type="multipart/form-data")
    auth.logout()
    auth.login("clerk1")
    import base64

    printed = client.get(f"/surat/{letter_id}/cetak").get_data(as_text=True)
    assert base64.b64encode(first).decode() in printed and base64.b64encode(second).decode() not in printed
