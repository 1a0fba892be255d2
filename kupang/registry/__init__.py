"""Residents and families: NIK rules, lookup, completeness, duplicates."""
from flask import Blueprint

bp = Blueprint("registry", __name__, cli_group=None)

from . import models  # noqa: E402,F401,I001 (tables known to Alembic and the tests)
from . import views_family  # noqa: E402,F401 (family pages, completeness, duplicates)
from . import seed, views  # noqa: E402,F401 (search, resident pages, demo data)
from . import import_models, views_import  # noqa: E402,F401 (bulk import and export)
