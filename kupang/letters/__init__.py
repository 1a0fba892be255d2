"""Letters (layanan surat): types, drafts, numbering, printing, verification and the register."""
from flask import Blueprint

bp = Blueprint("letters", __name__, cli_group=None)

from . import models  # noqa: E402,F401,I001  (tables known to Alembic and the tests)
from . import counter, seed, views, views_admin, views_print, views_public  # noqa: E402,F401
