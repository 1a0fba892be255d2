"""The queue: services, counters, kiosk tickets, the counter page and the display."""
from flask import Blueprint

bp = Blueprint("queue", __name__, cli_group=None)

# One line per module so each queue helper adds its own without touching the others'.
from . import models  # noqa: E402,F401,I001  (tables known to Alembic and the tests)
from . import commands  # noqa: E402,F401
from . import seed, views_admin, views_kiosk, views_status  # noqa: E402,F401
from . import views_counter  # noqa: E402,F401
from . import views_display  # noqa: E402,F401
from . import device_errors  # noqa: E402,F401
from . import device_notices  # noqa: E402,F401
from . import city_gate  # noqa: E402,F401
