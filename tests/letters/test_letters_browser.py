"""In Chromium: issue a domisili letter, print it on A4 and F4 (one page each), check its QR, void it.

Every seeded type, filled with long realistic values, must fit one page on both sizes: nothing cut.
"""
import os
import re
from datetime import date

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.letters.issuing import create_draft, issue_letter
from kupang.letters.models import LetterType
from kupang.letters.seed import TYPES
from kupang.letters.views_print import qr_data_uri
from kupang.registry.models import Resident
from tests.conftest import PASSWORD
from tests.registry.family_fixtures import add_person, nik_for

from .fixtures import DOMISILI, letters_office

# (width, height) in PostScript points: A4 210 x 297 mm, F4 215 x 330 mm.
SIZES = {"a4": (595.3, 841.9), "f4": (609.4, 935.4)}
LONG = {"keperluan": "persyaratan pendaftaran calon pegawai pada Dinas Pendidikan dan Kebudayaan Provinsi NTT",
        "alamat_tujuan": "Jl. Prof. Dr. Herman Johannes No. 117, RT 012 / RW 004, Kelurahan Oebufu, Kecamatan "
                         "Oebobo, Kota Kupang, Nusa Tenggara Timur 85111",
        "anggota_pindah": "Maria Goreti Ndun (istri), Petrus Kanisius Ndun (anak), Ester Magdalena Ndun (anak)",
        "keterangan": "Yang bersangkutan benar-benar warga kami yang berkelakuan baik, tidak pernah tersangkut "
                      "perkara pidana, dan aktif dalam kegiatan kemasyarakatan di lingkungan RT dan RW setempat."}


def pdf_pages(pdf):
    """The MediaBox of each page of a PDF produced by Chromium."""
    return [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)]


def assert_one_page(pdf, paper):
    boxes = pdf_pages(pdf)
    width, height = SIZES[paper]
    assert len(boxes) == 1, (paper, boxes)
    assert abs(boxes[0][0] - width) < 1.5 and abs(boxes[0][1] - height) < 1.5, (paper, boxes)


def log_in(page, username):
    page.goto("/masuk")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)


def long_resident(app, status="hidup", serial=1):
    with app.app_context(), write_intent():
        resident = add_person("Yohanes Benediktus Kristoforus Ndun Manafe", 1, date(1985, 6, 17),
                              nik=nik_for(date(1985, 6, 17), 1, serial), birth_place="Soe, Timor Tengah Selatan",
                              address="Jl. Frans Seda, Gang Kenari II No. 27B, Belakang Gereja GMIT Kota Baru",
                              rt="012", rw="004", religion=2, marital_status=2, life_status=status)
        db.session.commit()
        return resident.id


@pytest.mark.browser
def test_issue_print_verify_void_in_the_browser(app, page, make_user, screenshot_dir):
    _types, _signatory = letters_office(app)
    make_user("clerk", "clerk1")
    rid = long_resident(app)
    with app.app_context():
        type_id = db.session.scalar(select(LetterType.id).where(LetterType.title == DOMISILI))
    log_in(page, "clerk1")
    page.goto(f"/surat/baru?penduduk={rid}&jenis={type_id}")
    page.fill("#f_keperluan", LONG["keperluan"])
    for box in page.locator("input[name=syarat]").all():
        box.check()
    page.click("text=Simpan draf & pratinjau")
    page.wait_for_url(re.compile(r"/surat/\d+$"))
    assert "Pratinjau" in page.locator("#letter-preview").inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "draft.png"), full_page=True)
    page.click("#issue-button")
    page.wait_for_load_state()
    number = page.locator("#letter-number").inner_text()
    assert re.fullmatch(r"474/0001/NKT\.II/[IVX]+/20\d\d", number), number
    letter_url = page.url
    for paper in ("a4", "f4"):
        page.goto(f"{letter_url}/cetak?kertas={paper}")
        page.screenshot(path=os.path.join(screenshot_dir, f"print-{paper}.png"), full_page=True)
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        with open(os.path.join(screenshot_dir, f"surat-{paper}.pdf"), "wb") as fh:
            fh.write(pdf)
        assert_one_page(pdf, paper)
        assert page.locator("#copy-mark").count() == (1 if paper == "f4" else 0)  # the second print is a copy
    qr_src = page.locator("#letter-qr").get_attribute("src")
    verify_url = page.locator("#verify-url").inner_text()
    assert qr_src == qr_data_uri(verify_url)  # the QR holds the printed verify URL
    verify_path = "/surat/cek/" + verify_url.rsplit("/", 1)[1]
    page.goto(verify_path)
    assert page.locator("#verify-status").inner_text() == "SAH"
    assert "Yohanes B." in page.content() and "Manafe" not in page.content()
    page.screenshot(path=os.path.join(screenshot_dir, "verify-sah.png"), full_page=True)
    page.goto(letter_url)
    page.fill("#reason", "Salah ketik keperluan")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#void-button")
    page.wait_for_load_state()
    assert page.locator("#letter-status").inner_text() == "Dibatalkan"
    page.goto(verify_path)
    assert page.locator("#verify-status").inner_text() == "DIBATALKAN"
    page.screenshot(path=os.path.join(screenshot_dir, "verify-dibatalkan.png"), full_page=True)


@pytest.mark.browser
def test_every_seeded_type_fits_one_page_on_a4_and_f4(app, page, make_user, screenshot_dir):
    _types, signatory = letters_office(app)
    make_user("clerk", "clerk1")
    living, dead = long_resident(app), long_resident(app, "mati", serial=2)
    letters = []
    with app.app_context(), write_intent():
        for title, *_rest in TYPES:
            letter_type = db.session.scalar(select(LetterType).where(LetterType.title == title))
            resident = db.session.get(Resident, dead if letter_type.resident_rule == "mati" else living)
            values = {f["name"]: LONG.get(f["name"], "Nama Yang Cukup Panjang Untuk Diuji Sekali") for f in
                      letter_type.fields}
            for field in letter_type.fields:
                if field["kind"] == "tanggal":
                    values[field["name"]] = "17 Agustus 2026"
            letter = create_draft(letter_type, resident, values=values, checked=letter_type.requirements, user=None)
            letter = issue_letter(letter, version=0, signatory_id=signatory, user=None)
            letters.append((title, letter.id))
        db.session.commit()
    log_in(page, "clerk1")
    for title, letter_id in letters:
        for paper in ("a4", "f4"):
            page.goto(f"/surat/{letter_id}/cetak?kertas={paper}")
            pdf = page.pdf(prefer_css_page_size=True, print_background=True)
            with open(os.path.join(screenshot_dir, f"surat-{letter_id}-{paper}.pdf"), "wb") as fh:
                fh.write(pdf)
            boxes = pdf_pages(pdf)
            assert len(boxes) == 1, (title, paper, boxes)
            # Nothing cut: the signature block ends inside the sheet.
            bottom, sheet = page.evaluate("[document.querySelector('.sign').getBoundingClientRect().bottom,"
                                          " document.querySelector('.sheet').getBoundingClientRect().bottom]")
            assert bottom <= sheet, (title, paper, bottom, sheet)
