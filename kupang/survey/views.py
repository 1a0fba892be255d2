"""Survey pages: the tablet in survey mode (one question per screen) and the form behind a finished ticket."""
import secrets

from flask import current_app, g, render_template, request, url_for
from sqlalchemy import select

from ..extensions import db
from ..queue.devices import device_required
from ..queue.models import Service, Ticket
from ..security import public
from . import bp
from .collect import (
    SurveyError,
    build_response,
    response_for_nonce,
    response_for_ticket,
    save_once,
    ticket_open_for_survey,
)
from .elements import ELEMENT_KEYS, ELEMENTS, PROFILE, clean_answers

# The tablet starts over by itself: after this long on any question, and a little after "terima kasih".
IDLE_SECONDS = 90
THANKS_SECONDS = 8
NONCE_PATTERN = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def active_services():
    """Services a respondent can say they came for, in kiosk order."""
    return db.session.scalars(select(Service).where(Service.active.is_(True))
                              .order_by(Service.sort_order, Service.prefix)).all()


def _nonce(value):
    value = (value or "").strip()
    return value if 16 <= len(value) <= 32 and set(value) <= NONCE_PATTERN else None


def _service_id(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if db.session.get(Service, number) is not None else None


def _state(form):
    """The answers carried so far in hidden fields: service, u1..u9 (1-4), nonce."""
    answers, _missing = clean_answers(form)
    return {"service": _service_id(form.get("service")), "answers": answers, "nonce": _nonce(form.get("nonce"))}


def _step_page(step, state, status=200, error=None):
    element = ELEMENTS[step - 1] if 1 <= step <= len(ELEMENTS) else None
    return render_template("survey/tablet_step.html", step=step, element=element, state=state,
                           total=len(ELEMENTS), services=active_services() if step == 0 else [],
                           profile=PROFILE, idle=IDLE_SECONDS, error=error), status


@bp.route("/survei")
@device_required("survey")
def tablet():
    """The tablet's start screen: an invitation and one big button."""
    return render_template("survey/tablet_start.html", nonce=secrets.token_urlsafe(16))


@bp.route("/survei/isi", methods=["POST"])
@device_required("survey")
def tablet_step():
    """Next screen of the questionnaire; answers so far travel in hidden fields, nothing is stored yet."""
    state = _state(request.form)
    if state["nonce"] is None:
        return render_template("survey/tablet_start.html", nonce=secrets.token_urlsafe(16)), 400
    at = request.form.get("at", type=int)
    at = at if at is not None and -1 <= at <= len(ELEMENTS) + 1 else -1
    step = max(0, at - 1) if request.form.get("nav") == "back" else min(at + 1, len(ELEMENTS) + 1)
    if 1 < step <= len(ELEMENTS) + 1 and ELEMENT_KEYS[step - 2] not in state["answers"]:
        step = ELEMENT_KEYS.index(next(k for k in ELEMENT_KEYS if k not in state["answers"])) + 1
    return _step_page(step, state)


@bp.route("/survei/kirim", methods=["POST"])
@device_required("survey")
def tablet_submit():
    """Store the questionnaire once (a double tap stores nothing more) and thank the respondent."""
    state = _state(request.form)
    if state["nonce"] is None:
        return render_template("survey/tablet_start.html", nonce=secrets.token_urlsafe(16)), 400
    try:
        response = build_response(request.form, channel="tablet", service_id=state["service"],
                                  device_id=g.device.id, nonce=state["nonce"])
    except SurveyError as error:
        first = next(k for k in ELEMENT_KEYS if k not in state["answers"])
        return _step_page(ELEMENT_KEYS.index(first) + 1, state, 400, str(error))
    save_once(response, lambda: response_for_nonce(state["nonce"]))
    return render_template("survey/tablet_thanks.html", seconds=THANKS_SECONDS)


def _ticket(token):
    if len(token) > 64:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.token == token))


@bp.route("/antrian/<token>/survei", methods=["GET", "POST"])
@public
def ticket_survey(token):
    """The questionnaire for a finished ticket: one response per ticket, no name, no NIK."""
    ticket = _ticket(token)
    if ticket is None:
        return render_template("queue/ticket_unknown.html"), 404
    back = url_for("queue.ticket_status", token=token) if "queue.ticket_status" in current_app.view_functions else None
    if response_for_ticket(ticket.id) is not None:
        return render_template("survey/ticket_done.html", ticket=ticket, back=back, already=True)
    if not ticket_open_for_survey(ticket):
        return render_template("survey/ticket_closed.html", ticket=ticket, back=back), 409
    error = None
    if request.method == "POST":
        try:
            response = build_response(request.form, channel="tiket", service_id=ticket.service_id,
                                      ticket_id=ticket.id)
        except SurveyError as problem:
            error = str(problem)
        else:
            _stored, created = save_once(response, lambda: response_for_ticket(ticket.id))
            return render_template("survey/ticket_done.html", ticket=ticket, back=back, already=not created)
    return render_template("survey/ticket_form.html", ticket=ticket, elements=ELEMENTS, profile=PROFILE,
                           form=request.form, error=error, back=back), 400 if error else 200

