"""The access report counts the imports that added or changed a resident, and only those."""
from datetime import timedelta

from kupang import audit
from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.import_models import ImportJob
from kupang.registry.models import Resident, ResidentChange
from kupang.reports import access
from kupang.timeutil import now_utc

from .builders import add_resident


def test_import_rows_reach_the_residents_they_wrote(app):
    with app.app_context():
        touched = add_resident("Diimpor")
        untouched = add_resident("Lain")
        with write_intent():
            start = now_utc() - timedelta(hours=2)
            job = ImportJob(file_name="warga.xlsx", file_format="xlsx", stored_path="x", status="done",
                            confirmed_at=start, finished_at=start + timedelta(minutes=1))
            other = ImportJob(file_name="lama.xlsx", file_format="xlsx", stored_path="y", status="done",
                              confirmed_at=start - timedelta(days=3), finished_at=start - timedelta(days=3))
            db.session.add_all([job, other])
            db.session.flush()
            db.session.add(ResidentChange(resident_id=touched, changed_at=start + timedelta(seconds=20),
                                          field="address", old_value="", new_value="Jl. El Tari", source="import"))
            for j in (job, other):
                audit.record("residents_imported", "import_job", j.id, username="petugas1", file=j.file_name,
                             rows=1, new=0, updated=1, unchanged=0, rejected=0)
            db.session.commit()
        rows_touched = access.access_rows(db.session.get(Resident, touched))
        rows_other = access.access_rows(db.session.get(Resident, untouched))
        assert [(r.action, r.object_id) for r in rows_touched] == [("residents_imported", str(job.id))]
        assert access.kind_of(rows_touched[0]) == "Diimpor"
        assert rows_other == []
