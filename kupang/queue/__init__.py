"""The queue: services, counters, kiosk tickets, the counter page and the display."""
from flask import Blueprint

bp = Blueprint("queue", __name__, cli_group=None)

from . import models  # noqa: E402,F401  (tables known to Alembic and the tests)
