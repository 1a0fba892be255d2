"""flask kota-recount: rebuild the city's pre-counts from city_resident (after a bulk load or a repair)."""
import click
from flask.cli import with_appcontext

from ...db import write_intent
from ...extensions import db
from .. import bp
from . import aggregates


@bp.cli.command("kota-recount")
@with_appcontext
def kota_recount():
    """Rebuild city_area_count and city_shared_nik from the projected residents."""
    with write_intent():
        aggregates.recount()
        db.session.commit()
    click.echo("Hitungan kelengkapan NIK kota dibangun ulang.")
