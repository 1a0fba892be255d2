"""Audit details never hold a full NIK or KK: filters, searched text, lists and nested values are masked."""
import re
from datetime import date

from sqlalchemy import select

from kupang import audit
from kupang.audit import AuditLog, mask_numbers
from kupang.db import write_intent
from kupang.extensions import db
from tests.registry.family_fixtures import add_family, add_person, commit, nik_for

NIK = nik_for(date(1980, 3, 12), 1)  # 5371051203800001
MASKED = "537105******0001"
KK = "5371050101200001"
FULL = re.compile(r"\d{16}")


def test_every_sixteen_digit_run_in_a_detail_is_masked(app):
    with app.app_context(), write_intent():
        entry = audit.record("residents_exported", "resident", None, filters={"q": NIK, "rt": "003"},
                             query=f"cari {NIK[:4]} {NIK[4:8]} {NIK[8:12]} {NIK[12:]} dan {KK}",
                             typed=f"{NIK[:6]}.{NIK[6:12]}-{NIK[12:]}", numbers=[int(NIK), KK],
                             nested={"inner": [{"kk": KK}]}, when=date(2026, 1, 2), rows=12)
        db.session.commit()
        stored = db.session.get(AuditLog, entry.id)
    assert not FULL.search(stored.detail)
    detail = stored.detail_data
    assert detail["filters"] == {"q": MASKED, "rt": "003"}
    assert detail["query"] == f"cari {MASKED} dan 537105******0001"
    assert detail["typed"] == MASKED and detail["numbers"] == [MASKED, "537105******0001"]
    assert detail["nested"] == {"inner": [{"kk": "537105******0001"}]}
    assert detail["rows"] == 12 and detail["when"] == "2026-01-02"


def test_other_numbers_are_kept():
    assert mask_numbers("537105120380000") == "537105120380000"  # 15 digits: not a NIK
    assert mask_numbers("53710512038000011") == "53710512038000011"  # 17 digits: not a NIK either
    assert mask_numbers({"size": 123456, "ids": [1, 2]}) == {"size": 123456, "ids": [1, 2]}
    assert mask_numbers("RT 003 / RW 001, 12 baris") == "RT 003 / RW 001, 12 baris"
    assert mask_numbers(True) is True and mask_numbers(None) is None


def test_export_filter_is_masked_in_the_row_and_on_the_audit_page(app, client, login_as):
    with app.app_context(), write_intent():
        family = add_family(KK)
        add_person("Yohanes Ndun", 1, date(1980, 3, 12), 1, family, NIK)
        commit()
    login_as("admin")
    assert client.post("/penduduk/ekspor", data={"file_format": "csv", "q": NIK}).status_code == 200
    assert client.post("/penduduk/ekspor", data={"file_format": "csv", "q": KK}).status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "residents_exported")).all()
        assert [r.detail_data["filters"]["q"] for r in rows] == [MASKED, "537105******0001"]
        assert not any(FULL.search(r.detail or "") for r in db.session.scalars(select(AuditLog)))
    page = client.get("/audit").get_data(as_text=True)
    assert MASKED in page and NIK not in page and KK not in page
