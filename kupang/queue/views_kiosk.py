"""Device pairing, the kiosk (a paired device, no login) and the printable ticket."""
import secrets

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db, login_manager
from ..layout import ALL_STAFF
from ..params import db_int
from ..security import public, record_login_failure, safe_path, throttle_wait_seconds
from ..settings import get_setting
from ..timeutil import now_utc, to_local
from . import bp
from .devices import DeviceError, current_device, device_required, pair_device, public_base_url, set_device_cookie
from .forms import KioskForm, PairForm
from .kiosk import KIOSK_CHOICES, kiosk_tiles, qr_svg, ticket_facts, wait_label
from .models import Service, Ticket
from .numbering import QueueError, check_can_issue, issue_ticket
from .writelock import serialised_on_sqlite

HOME_PATHS = {"kiosk": ("queue.kiosk", "/kiosk"), "display": ("queue.display", "/layar"),
              "survey": ("survey.tablet", "/survei")}
TICKET_WIDTHS = (58, 80)
TICKET_WIDTH_SETTING = "ticket_width_mm"


def device_home(device):
    """Where a paired device belongs: /kiosk or /layar."""
    endpoint, path = HOME_PATHS[device.kind]
    return url_for(endpoint) if endpoint in current_app.view_functions else path


def pairing_throttle_keys():
    """Failed pairing attempts count per IP (a code cannot be guessed by trying)."""
    return [f"pair:{request.remote_addr or '-'}"]


@bp.route("/perangkat/pasang", methods=["GET", "POST"])
@public
def pair():
    """Pair this browser as a kiosk or display with a one-time code (typed, or from the admin's link)."""
    form = PairForm(data={"code": request.args.get("kode", "")} if request.method == "GET" else None)
    device = current_device()
    if request.method == "POST" and form.validate_on_submit():
        if throttle_wait_seconds(pairing_throttle_keys()):
            form.code.errors.append("Terlalu banyak kode salah. Tunggu beberapa menit lalu coba lagi.")
            return render_template("queue/pair.html", form=form, device=device), 429
        try:
            device, token = pair_device(form.code.data)
        except DeviceError as error:
            db.session.rollback()
            record_login_failure(pairing_throttle_keys())
            db.session.commit()
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            response = redirect(device_home(device), 303)
            return set_device_cookie(response, token)
    status = 400 if request.method == "POST" else 200
    return render_template("queue/pair.html", form=form, device=device), status


def kiosk_context(**extra):
    """What the kiosk page and its tiles fragment need."""
    open_tiles, closed_tiles = kiosk_tiles()
    return {"open_tiles": open_tiles, "closed_tiles": closed_tiles, "now_local": to_local(now_utc()), **extra}


def kiosk_form():
    """The kiosk's form with a fresh one-time nonce (a double tap sends the same one twice)."""
    return KioskForm(formdata=None, data={"nonce": secrets.token_urlsafe(16)})


@bp.route("/kiosk")
@device_required("kiosk")
def kiosk():
    """The touch kiosk: one big button per open service; a service with priority asks which queue next."""
    return render_template("queue/kiosk.html", form=kiosk_form(), **kiosk_context())


@bp.route("/kiosk/layanan")
@device_required("kiosk")
def kiosk_services():
    """The kiosk's service buttons, refreshed by polling (waiting counts, opening and closing)."""
    return render_template("queue/_kiosk_services.html", **kiosk_context())


@bp.route("/kiosk/pilih/<int:service_id>")
@device_required("kiosk")
def kiosk_choice(service_id):
    """After the service: the large choice Umum / Lansia / Penyandang disabilitas / Ibu hamil atau membawa anak."""
    service = db.session.get(Service, service_id)
    if service is None or not service.active:
        return kiosk_refusal("Layanan tidak ditemukan. Silakan pilih layanan lain.", 404)
    tile = next((t for t in kiosk_tiles()[0] if t.service.id == service.id), None)
    if tile is None or not tile.available:
        try:
            check_can_issue(service)
        except QueueError as error:
            return kiosk_refusal(str(error), 409)
        return kiosk_refusal(f"Kuota antrian {service.name} hari ini sudah habis. "
                             "Silakan datang kembali pada hari kerja berikutnya.", 409)
    if not service.allow_priority:
        return redirect(url_for("queue.kiosk"), 303)
    return render_template("queue/kiosk_choice.html", form=kiosk_form(), tile=tile, choices=KIOSK_CHOICES,
                           now_local=to_local(now_utc()))


def _ticket_for_nonce(nonce):
    ticket = db.session.scalar(select(Ticket).where(Ticket.issue_nonce == nonce))
    if ticket is not None and ticket.issued_by_device_id == g.device.id:
        return ticket
    return None


def _print_redirect(ticket):
    return redirect(url_for("queue.ticket_print", token=ticket.token), 303)


def kiosk_refusal(message, status):
    """A polite full-screen message; the kiosk returns to its buttons by itself."""
    return render_template("queue/kiosk_message.html", message=message), status


@bp.route("/kiosk/ambil", methods=["POST"])
@serialised_on_sqlite
@device_required("kiosk")
def kiosk_issue():
    """Issue a ticket from a kiosk tap; the same form sent twice returns the first ticket."""
    form = KioskForm()
    if not form.validate_on_submit():
        return kiosk_refusal("Pilihan tidak terbaca. Silakan sentuh kembali layanan yang Anda perlukan.", 400)
    earlier = _ticket_for_nonce(form.nonce.data)
    if earlier is not None:
        return _print_redirect(earlier)
    service = db.session.get(Service, form.service.data)
    if service is None:
        return kiosk_refusal("Layanan tidak ditemukan. Silakan pilih layanan lain.", 404)
    try:
        ticket = issue_ticket(service, priority=form.priority.data or None, device=g.device, nonce=form.nonce.data)
        # Built before the commit: reading the ticket afterwards would start a second write transaction.
        response = _print_redirect(ticket)
        db.session.commit()
    except QueueError as error:
        db.session.rollback()
        return kiosk_refusal(str(error), 409)
    except IntegrityError:
        # The same nonce committed by a parallel request (PostgreSQL): show that ticket.
        db.session.rollback()
        earlier = _ticket_for_nonce(form.nonce.data)
        if earlier is None:
            return kiosk_refusal("Pilihan tidak terbaca. Silakan sentuh kembali layanan yang Anda perlukan.", 409)
        return _print_redirect(earlier)
    return response


def ticket_width():
    """The office's thermal paper width in mm (58 unless an admin chose 80)."""
    value = get_setting(TICKET_WIDTH_SETTING, str(TICKET_WIDTHS[0]))
    return int(value) if value.isdigit() and int(value) in TICKET_WIDTHS else TICKET_WIDTHS[0]


@bp.route("/tiket/<token>/cetak")
def ticket_print(token):
    """The ticket for a 58 mm (or ?lebar=80) thermal printer; prints itself, for its kiosk and for staff."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.token == token))
    device = current_device()
    from_kiosk = device is not None and device.kind == "kiosk"
    if current_user.is_authenticated:
        return_url = safe_path(request.args.get("kembali"))
    elif from_kiosk:
        return_url = url_for("queue.kiosk")
    else:
        return login_manager.unauthorized()
    if ticket is None or (not current_user.is_authenticated and ticket.issued_by_device_id != device.id):
        abort(404)
    width = request.args.get("lebar", type=db_int)
    width = width if width in TICKET_WIDTHS else ticket_width()
    status_url = public_url(url_for("queue.ticket_status", token=ticket.token))
    other_width = url_for("queue.ticket_print", token=token, lebar=TICKET_WIDTHS[width == TICKET_WIDTHS[0]],
                          kembali=request.args.get("kembali") or None)
    return render_template("queue/ticket_print.html", facts=ticket_facts(ticket), width=width,
                           qr=qr_svg(status_url), return_url=return_url, wait_label=wait_label,
                           other_width=other_width)


# A staff view for the access matrix (visitors are asked to log in); the kiosk that issued a ticket
# may also open it, which the view itself checks.
ticket_print.allowed_roles = frozenset(ALL_STAFF)


def public_url(path):
    """An absolute link for printing: KUPANG_PUBLIC_URL when set (reachable by phones), else this host."""
    return public_base_url() + path

