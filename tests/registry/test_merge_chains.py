"""Merging a record that others were merged into: they follow it to the record that is kept."""
from datetime import date

from sqlalchemy import select

from kupang.audit import AuditLog
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.duplicates import load_pair, merge_residents
from kupang.registry.models import Resident, ResidentChange
from tests.registry.family_fixtures import add_person, nik_for

BORN = date(1980, 2, 14)


def test_records_merged_into_a_merged_record_follow_it(app, client, login_as):
    with app.app_context(), write_intent():
        middle = add_person("Yohanes Ndun", 1, BORN, nik=None).id
        first = add_person("Yohanes  Ndun", 1, BORN, nik=None).id
        second = add_person("YOHANES NDUN", 1, BORN, nik=None).id
        final = add_person("Yohanes Ndun.", 1, BORN, nik=nik_for(BORN, 1)).id
        db.session.commit()
        for gone in (first, second):
            keep, other = load_pair(middle, gone, lock=True)
            merge_residents(keep, other)
            db.session.commit()
        keep, other = load_pair(final, middle, lock=True)
        merge_residents(keep, other)
        db.session.commit()
        pointers = dict(db.session.execute(select(Resident.id, Resident.merged_into_id)
                                           .where(Resident.id.in_([first, second, middle]))).all())
        assert pointers == {first: final, second: final, middle: final}
        moved = db.session.execute(select(ResidentChange.resident_id, ResidentChange.old_value,
                                          ResidentChange.new_value, ResidentChange.source)
                                   .where(ResidentChange.field == "merged_into_id",
                                          ResidentChange.resident_id.in_([first, second]))
                                   .order_by(ResidentChange.id)).all()
        assert moved[-2:] == [(first, str(middle), str(final), "merge"), (second, str(middle), str(final), "merge")]
        audit_row = db.session.scalars(select(AuditLog).where(AuditLog.action == "resident_merged")
                                       .order_by(AuditLog.id.desc())).first()
        assert audit_row.detail_data["followed_ids"] == [first, second]
    login_as("clerk")
    page = client.get(f"/penduduk/{first}").get_data(as_text=True)
    assert f'href="/penduduk/{final}"' in page and f'href="/penduduk/{middle}"' not in page


def test_old_chains_are_followed_on_the_resident_page(app, client, login_as):
    """Data merged before the fix may still point at a merged record: the page leads to the record in use."""
    with app.app_context(), write_intent():
        final = add_person("Maria Bria", 2, BORN, nik=nik_for(BORN, 2))
        middle = add_person("Maria Bria", 2, BORN, merged_into_id=final.id)
        old = add_person("Maria Bria", 2, BORN, merged_into_id=middle.id)
        db.session.commit()
        ids = final.id, middle.id, old.id
    login_as("clerk")
    page = client.get(f"/penduduk/{ids[2]}").get_data(as_text=True)
    assert f'id="merged-into" href="/penduduk/{ids[0]}"' in page
