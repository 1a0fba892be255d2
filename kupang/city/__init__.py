"""The city view: the office -> city feed (outbox, push, apply) and the city's pages across offices."""
from flask import Blueprint

bp = Blueprint("city", __name__, cli_group=None)

from . import models  # noqa: E402,F401,I001  (tables known to Alembic and the tests)
from . import feed, kota  # noqa: E402,F401  (the office -> city feed: routes and commands; the /kota pages)
