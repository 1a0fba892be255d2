"""The satisfaction survey (SKM, PermenPANRB 14/2017): a paired tablet in survey mode, and the ticket page."""
from flask import Blueprint

bp = Blueprint("survey", __name__, cli_group=None)

from . import models  # noqa: E402,F401,I001  (tables known to Alembic and the tests)
from . import views  # noqa: E402,F401
