"""Integers from URLs, query strings and forms, bounded to what the database can hold."""
from werkzeug.routing import IntegerConverter

# SQLite and PostgreSQL integer columns hold at most a signed 64-bit value; a bigger one is an error there.
DB_INT_MAX = 2**63 - 1


def db_int(value):
    """An int in 0..DB_INT_MAX, for MultiDict.get(..., type=db_int): anything else raises ValueError.

    MultiDict.get turns that ValueError into its default, so a 30-digit `halaman` is simply ignored.
    """
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise ValueError("not a database integer")
    number = int(text)
    if number > DB_INT_MAX:
        raise ValueError("not a database integer")
    return number


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` in routes, refusing (404) numbers no database row can have."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def register_converters(app):
    """Replace Werkzeug's unbounded int converter with the bounded one."""
    app.url_map.converters["int"] = BoundedIntConverter
