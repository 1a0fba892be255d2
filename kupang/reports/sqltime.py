"""Time arithmetic in SQL that works the same on SQLite and PostgreSQL (seconds between two timestamps)."""
from sqlalchemy import Float, cast, func

from ..extensions import db


def seconds_between(start, end):
    """SQL expression: seconds from `start` to `end` (NULL when either is NULL)."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return cast(func.extract("epoch", end - start), Float)


def hour_bucket(column):
    """SQL expression: the UTC hour of a timestamp as text 'yyyy-mm-dd hh' (grouped, then made local in Python)."""
    if db.engine.dialect.name == "sqlite":
        return func.strftime("%Y-%m-%d %H", column)
    return func.to_char(column, "YYYY-MM-DD HH24")
