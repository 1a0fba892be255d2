"""On the city server (KUPANG_ROLE=city) the queue does not run: its pages answer 404, plainly."""
from flask import current_app, render_template

from ..config import is_city
from . import bp

CITY_MESSAGE = "Server kota tidak melayani antrian. Kiosk, layar dan loket berjalan di server kantor kelurahan."


@bp.before_request
def refuse_on_city_server():
    """404 with an Indonesian page for every queue page on the city server."""
    if is_city(current_app):
        return render_template("errors/error.html", code=404, title="Server kota tidak melayani antrian",
                               text=CITY_MESSAGE), 404
    return None
