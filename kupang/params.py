"""Integers from URLs, query strings and forms, bounded to what the database can hold."""
from werkzeug.routing import IntegerConverter

# The largest value every integer column holds: PostgreSQL's INTEGER (the ids) is 32-bit, SQLite's 64-bit.
# A bigger number is an error in the database (OverflowError, DataError), so it is refused before.
DB_INT_MAX = 2**31 - 1


def db_int(value):
    """An int in 0..DB_INT_MAX, for MultiDict.get(..., type=db_int): anything else raises ValueError.

    MultiDict.get turns that ValueError into its default, so a 30-digit `halaman` is simply ignored.
    """
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(DB_INT_MAX)):
        raise ValueError("not a database integer")
    number = int(text)
    if number > DB_INT_MAX:
        raise ValueError("not a database integer")
    return number


# More pages than any list will ever have (the city's 404,000 residents at 25 a page are 16,160): a larger
# ?halaman= shows the empty page past the end instead of overflowing the database's OFFSET.
PAGE_MAX = 100_000


def page_number(args, name="halaman"):
    """The 1-based page number from a query string: 1 when missing or garbage, at most PAGE_MAX."""
    return min(max(args.get(name, 1, type=db_int) or 1, 1), PAGE_MAX)


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` in routes, refusing (404) numbers no database row can have."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def register_converters(app):
    """Replace Werkzeug's unbounded int converter with the bounded one."""
    app.url_map.converters["int"] = BoundedIntConverter
