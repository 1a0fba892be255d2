"""Fed rows as JSON: what the office sends for a row, and a checksum both sides compute the same way."""
import hashlib
import json
from datetime import date, datetime

from sqlalchemy import select

from ...extensions import db
from ..models import FED_TABLES, FeedRow

# Credentials that open something at the office (a ticket's status page, a kiosk's one-time nonce); the
# city's reports need none of them, so they never leave the office.
PRIVATE_COLUMNS = {"ticket": {"token", "issue_nonce"}, "letter": {"verify_token"}, "survey_response": {"nonce"}}


def fed_table(name):
    """The SQLAlchemy Table of a fed table (KeyError for any other name)."""
    if name not in FED_TABLES:
        raise KeyError(name)
    return db.metadata.tables[name]


def json_value(value):
    """A column value as JSON: dates 'YYYY-MM-DD', datetimes ISO (UTC as stored), the rest as is."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_json(table_name, row):
    """One row (a Row mapping) as the dict the city stores."""
    hidden = PRIVATE_COLUMNS.get(table_name, ())
    return {key: json_value(value) for key, value in row.items() if key not in hidden}


def read_rows(table_name, ids):
    """{id: data} of the rows of one table that still exist, read in the caller's transaction."""
    table = fed_table(table_name)
    found = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in db.session.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            found[row["id"]] = row_json(table_name, row)
    return found


def digest_rows(pairs):
    """SHA-256 over (id, data) pairs sorted by id, data as canonical JSON."""
    digest = hashlib.sha256()
    for row_id, data in sorted(pairs, key=lambda pair: pair[0]):
        digest.update(f"{row_id}\t{json.dumps(data, sort_keys=True, ensure_ascii=False)}\n".encode())
    return digest.hexdigest()


def office_checksums():
    """{table: (row count, digest)} of this office's fed tables, as the city should hold them."""
    sums = {}
    for name in FED_TABLES:
        table = fed_table(name)
        rows = [(row["id"], row_json(name, row)) for row in db.session.execute(select(table)).mappings()]
        sums[name] = (len(rows), digest_rows(rows))
    return sums


def city_checksums(office_code):
    """{table: (row count, digest)} of the city's live copy of one office's rows."""
    sums = {}
    for name in FED_TABLES:
        rows = db.session.execute(select(FeedRow.row_id, FeedRow.data).where(
            FeedRow.office_code == office_code, FeedRow.table_name == name, FeedRow.deleted.is_(False))).all()
        sums[name] = (len(rows), digest_rows([(row_id, data) for row_id, data in rows]))
    return sums
