"""Office side: the city's list of this office's residents registered active in another kelurahan too.

The city sends it with every acknowledgement (`dua_kelurahan`); the office keeps the last one whole in
`feed_twin` and shows it to its staff on /penduduk-dua-kelurahan (audited), so the move that was never
recorded gets recorded. A list that does not look right is ignored, never half kept.
"""
import re

from sqlalchemy import delete, select

from ...extensions import db
from ...timeutil import now_utc
from ..models import FeedTwin

NIK = re.compile(r"^\d{16}$")
CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
MAX_TWINS = 1000


def parse_twins(answer):
    """The answer's list as [(nik, other code, other name, resident id)], or None when absent or malformed."""
    items = answer.get("dua_kelurahan")
    if not isinstance(items, list) or len(items) > MAX_TWINS:
        return None
    found = {}
    for item in items:
        if not isinstance(item, dict):
            return None
        nik, code = item.get("nik"), item.get("kelurahan")
        name, row_id = item.get("nama_kelurahan", ""), item.get("row_id")
        if not (isinstance(nik, str) and NIK.match(nik) and isinstance(code, str) and CODE.match(code)):
            return None
        bad_id = row_id is not None and (isinstance(row_id, bool) or not isinstance(row_id, int))
        if not isinstance(name, str) or bad_id:
            return None
        found[(nik, code)] = (nik, code, name.strip()[:80], row_id)
    return list(found.values())


def keep_twins(answer):
    """Replace the kept list with the answer's (inside the caller's write transaction); how many, or None."""
    twins = parse_twins(answer)
    if twins is None:
        return None
    db.session.execute(delete(FeedTwin))
    now = now_utc()
    db.session.add_all(FeedTwin(nik=nik, other_code=code, other_name=name, resident_id=row_id, seen_at=now)
                       for nik, code, name, row_id in twins)
    return len(twins)


def kept_twins():
    """The kept list, by NIK."""
    return db.session.scalars(select(FeedTwin).order_by(FeedTwin.nik, FeedTwin.other_code)).all()
