"""Residents and families: NIK rules, lookup, completeness, duplicates."""
from flask import Blueprint

bp = Blueprint("registry", __name__, cli_group=None)

from . import models  # noqa: E402,F401  (tables known to Alembic and the tests)
