"""The TV display (/layar) for a paired display device, its cheap poll, and the running-text setting."""
import time

from flask import Response, flash, make_response, redirect, render_template, request, url_for

from .. import audit
from ..extensions import db
from ..security import public, roles_required
from ..settings import set_setting
from . import bp
from .devices import device_required
from .display import RUNNING_TEXT_KEY, RUNNING_TEXT_MAX, board_state, current_token, running_text
from .numbering import bump_marker

POLL_MS = 1000


@bp.route("/layar")
@device_required("display")
def display():
    """The full-screen board: latest call, counters, recent calls, waiting, clock, running text."""
    board = board_state()
    return render_template("queue/display.html", board=board, poll_ms=POLL_MS, board_now_ms=int(time.time() * 1000))


@bp.route("/layar/status")
@device_required("display")
def display_status():
    """Poll: 204 and no body while the board is unchanged since token `v`, else the board fragment."""
    if request.args.get("v", "") == current_token():
        return Response(status=204)
    response = make_response(render_template("queue/_board.html", board=board_state()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/favicon.ico")
@public
def favicon():
    """The office icon where browsers and TVs look for it by default (no 404 on every first load).

    A permanent redirect to the static file: browsers keep it, and the icon is served (and cached) as static.
    """
    return redirect(url_for("static", filename="favicon.ico"), 301)


@bp.route("/admin/teks-berjalan", methods=["GET", "POST"])
@roles_required("admin")
def admin_running_text():
    """Set the running-text line shown at the bottom of the display."""
    error = None
    value = running_text()
    if request.method == "POST":
        value = " ".join((request.form.get("text") or "").split())
        if not value:
            error = "Teks berjalan tidak boleh kosong."
        elif len(value) > RUNNING_TEXT_MAX:
            error = f"Teks berjalan maksimal {RUNNING_TEXT_MAX} karakter (sekarang {len(value)})."
        else:
            previous = set_setting(RUNNING_TEXT_KEY, value)
            audit.record("setting_changed", "setting", RUNNING_TEXT_KEY, old=previous, new=value)
            bump_marker()  # displays pick the new line up at their next poll
            db.session.commit()
            flash("Teks berjalan disimpan. Layar menampilkannya dalam beberapa detik.", "success")
            return redirect(url_for("queue.admin_running_text"), 303)
    status = 400 if error else 200
    return render_template("queue/running_text.html", value=value, error=error, limit=RUNNING_TEXT_MAX), status
