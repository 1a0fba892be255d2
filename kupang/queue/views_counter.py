"""The counter page (/loket): a clerk opens a counter, calls, serves and finishes tickets."""
from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..auth.models import User
from ..db import read_only
from ..extensions import db
from ..htmx import add_vary, hx_redirect, is_htmx
from ..params import db_int
from ..registry.disclosure import lookup_residents
from ..registry.masking import mask_nik
from ..security import roles_required
from ..timeutil import office_today
from . import bp, calling
from .counter_page import counter_context, waiting_context, walkin_context
from .display import current_token
from .models import PRIORITIES, Counter, Service, Ticket
from .numbering import QueueError, issue_ticket

CLERK_ROLES = ("admin", "clerk")
RESIDENT_RESULTS = 8


# --- page ------------------------------------------------------------------------------------


@bp.route("/loket")
@roles_required(*CLERK_ROLES)
def counter():
    """The clerk's counter: choose and open one, then call and serve tickets."""
    session = calling.open_session(current_user)
    if session is None:
        return render_template("queue/counter_choose.html", counters=choose_rows())
    query = request.args.get("cari", "").strip()[:80]
    issued = issued_ticket()
    context = counter_context(session.counter)
    context.update(search=query, residents=find_residents(query) if query else None,
                   issued=issued, print_url=print_url(issued))
    return render_template("queue/counter.html", **context)


def choose_rows():
    """(counter, services text, holder name or None) for the choose-a-counter list."""
    rows = []
    for item in calling.counters_for_clerks():
        holder = calling.counter_holder(item)
        holder_name = None
        if holder is not None and office_today(holder.opened_at) == office_today():
            holder_name = db.session.get(User, holder.user_id).display_name
        rows.append((item, ", ".join(s.name for s in item.services), holder_name))
    return rows


# --- opening and closing ---------------------------------------------------------------------


@bp.route("/loket/buka", methods=["POST"])
@roles_required(*CLERK_ROLES)
def counter_open():
    """Open the chosen counter for this clerk."""
    item = db.session.get(Counter, request.form.get("counter_id", type=db_int) or 0)
    if item is None:
        flash("Loket tidak ditemukan.", "error")
        return redirect(url_for("queue.counter"), 303)
    try:
        calling.open_counter(item, current_user)
    except QueueError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("queue.counter"), 303)
    db.session.commit()
    flash(f"Loket {item.number} dibuka. Selamat bertugas.", "success")
    return redirect(url_for("queue.counter"), 303)


@bp.route("/loket/tutup", methods=["POST"])
@roles_required(*CLERK_ROLES)
def counter_close():
    """Close this clerk's counter."""
    session = calling.open_session(current_user)
    if session is None:
        return redirect(url_for("queue.counter"), 303)
    try:
        calling.close_counter(session.counter, current_user)
    except QueueError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("queue.counter"), 303)
    db.session.commit()
    flash(f"Loket {session.counter.number} ditutup.", "success")
    return redirect(url_for("queue.counter"), 303)


# --- ticket actions --------------------------------------------------------------------------


def _version(form):
    return form.get("version", type=db_int)


def _act_next(item, _ticket, form):
    ticket, called = calling.call_next(item, current_user)
    if ticket is None:
        return "Tidak ada nomor yang menunggu untuk layanan loket ini.", "info"
    if not called:
        return f"Nomor {ticket.code} masih di loket ini. Selesaikan dahulu sebelum memanggil berikutnya.", "info"
    _audit("queue_ticket_called", ticket, counter=item.number)
    return f"Nomor {ticket.code} dipanggil ke loket {item.number}.", "success"


def _act_recall(item, ticket, form):
    calling.recall(ticket, counter=item, version=_version(form))
    _audit("queue_ticket_recalled", ticket, counter=item.number, calls=ticket.call_count)
    return f"Nomor {ticket.code} dipanggil ulang.", "success"


def _act_start(item, ticket, form):
    calling.start_service(ticket, counter=item, version=_version(form))
    _audit("queue_service_started", ticket, counter=item.number)
    return f"Mulai melayani nomor {ticket.code}.", "success"


def _act_finish(item, ticket, form):
    raw = (form.get("resident_id") or "").strip()
    if raw and not raw.isdigit():
        raise QueueError("Penduduk yang dipilih tidak valid.")
    try:
        resident_id = db_int(raw) if raw else None
    except ValueError:
        raise QueueError("Penduduk yang dipilih tidak ditemukan.") from None
    calling.finish(ticket, resident_id, form.get("note", ""), counter=item, version=_version(form))
    _audit("queue_ticket_finished", ticket, counter=item.number)
    if resident_id is not None:
        audit.record("queue_resident_linked", "ticket", ticket.id, resident_id=resident_id, code=ticket.code)
    return f"Nomor {ticket.code} selesai dilayani.", "success"


def _act_no_show(item, ticket, form):
    calling.mark_no_show(ticket, counter=item, version=_version(form))
    _audit("queue_ticket_no_show", ticket, counter=item.number)
    return f"Nomor {ticket.code} ditandai tidak hadir.", "success"


def _act_transfer(item, ticket, form):
    service = db.session.get(Service, form.get("service_id", type=db_int) or 0)
    old_service = ticket.service.name
    calling.transfer(ticket, service, counter=item, version=_version(form))
    _audit("queue_ticket_transferred", ticket, counter=item.number, old=old_service, new=service.name)
    return transfer_message(ticket, service, item), "success"


def _act_return(item, ticket, form):
    calling.return_to_queue(ticket, counter=item, version=_version(form))
    _audit("queue_ticket_returned", ticket, counter=item.number)
    return f"Nomor {ticket.code} dikembalikan ke antrian sesuai urutan ambil nomor.", "success"


def _audit(action, ticket, **detail):
    audit.record(action, "ticket", ticket.id, code=ticket.code, **detail)


def transfer_message(ticket, service, item):
    """Where a transferred ticket went and who will call it, in words for the clerk."""
    if ticket.status != "waiting":
        return (f"Nomor {ticket.code} sekarang tercatat untuk layanan {service.name} dan tetap dilayani di "
                f"loket {item.number} (loket ini juga melayani layanan itu).")
    counters = calling.service_counters(service)
    opened = [c.number for c, is_open in counters if is_open]
    names = " atau ".join(f"loket {number}" for number in (opened or [c.number for c, _o in counters]))
    who = f"Akan dipanggil oleh {names}." if opened else f"Belum ada loket buka; akan dipanggil saat {names} dibuka."
    return (f"Nomor {ticket.code} dialihkan ke layanan {service.name} dengan nomor dan urutan yang sama. {who}")


ACTIONS = {
    "panggil": _act_next, "ulang": _act_recall, "mulai": _act_start, "selesai": _act_finish,
    "tidak-hadir": _act_no_show, "alihkan": _act_transfer, "kembalikan": _act_return,
}


@bp.route("/loket/aksi/<action>", methods=["POST"])
@roles_required(*CLERK_ROLES)
def counter_action(action):
    """One button of the counter page: call next, recall, start, finish, no-show, transfer, return."""
    handler = ACTIONS.get(action)
    if handler is None:
        return Response("Aksi tidak dikenal.", 404)
    session = calling.open_session(current_user)
    if session is None:
        flash("Buka loket terlebih dahulu.", "error")
        return _after_action(None)
    item = session.counter
    try:
        ticket = None if action == "panggil" else _posted_ticket(item)
        message, category = handler(item, ticket, request.form)
    except QueueError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _after_action(item)
    db.session.commit()
    flash(message, category)
    return _after_action(item)


def _posted_ticket(item):
    """The counter's current ticket, refused when the page showed another one (stale page, double click)."""
    ticket = calling.current_ticket(item)
    posted = request.form.get("ticket_id", type=db_int)
    if ticket is None or (posted is not None and posted != ticket.id):
        raise QueueError("Tampilan loket sudah berubah (mungkin diklik dua kali). Periksa nomor yang tampil sekarang.")
    return ticket


def _after_action(item):
    """htmx: the refreshed panel, stats and flashes; otherwise back to the page (303)."""
    if not is_htmx():
        return redirect(url_for("queue.counter"), 303)
    if item is None:  # no counter open any more: the whole page must change, not the panel
        return hx_redirect(url_for("queue.counter"))
    db.session.expire_all()
    with read_only():
        response = make_response(render_template("queue/_counter_panel.html", oob=True, **counter_context(item)))
    return add_vary(response, "HX-Request")


# --- polling, search, walk-in ----------------------------------------------------------------


@bp.route("/loket/antrian")
@roles_required(*CLERK_ROLES)
def counter_waiting():
    """Waiting counts per service; 204 while the queue has not changed since the token `v`."""
    session = calling.open_session(current_user)
    if session is None:
        return Response(status=204)
    if request.args.get("v") == current_token():
        return Response(status=204)
    response = make_response(render_template("queue/_counter_waiting.html", counter=session.counter,
                                              **waiting_context(session.counter)))
    return add_vary(response, "HX-Request")


def find_residents(query):
    """Residents for linking the served person: the registry's own search (audited there), a handful at most."""
    return lookup_residents(query, limit=RESIDENT_RESULTS)


@bp.route("/loket/penduduk")
@roles_required(*CLERK_ROLES)
def counter_residents():
    """Resident search for linking the served person (masked NIK only)."""
    query = request.args.get("cari", "").strip()[:80]
    response = make_response(render_template("queue/_counter_residents.html", search=query,
                                             residents=find_residents(query), mask_nik=mask_nik))
    return add_vary(response, "HX-Request")


@bp.route("/loket/tiket", methods=["POST"])
@roles_required(*CLERK_ROLES)
def counter_walkin():
    """Issue a ticket for a walk-in resident from the counter page."""
    service = db.session.get(Service, request.form.get("service_id", type=db_int) or 0)
    priority = request.form.get("priority") or None
    try:
        if service is None:
            raise QueueError("Pilih layanan terlebih dahulu.")
        ticket = issue_ticket(service, priority=priority, user=current_user)
    except QueueError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _walkin_response(None)
    db.session.commit()
    flash(f"Nomor {ticket.code} ({service.name}) dibuat.", "success")
    return _walkin_response(ticket)


def _walkin_response(ticket):
    if not is_htmx():
        return redirect(url_for("queue.counter", tiket=ticket.id if ticket else None), 303)
    with read_only():
        session = calling.open_session(current_user)
        if session is None:
            return hx_redirect(url_for("queue.counter"))
        context = {"issued": ticket, "print_url": print_url(ticket), "priorities": PRIORITIES,
                   "counter": session.counter, **walkin_context(session.counter), **waiting_context(session.counter)}
        response = make_response(render_template("queue/_counter_walkin.html", oob=True, **context))
    return add_vary(response, "HX-Request")


def print_url(ticket):
    """The printable ticket's address, coming back to the counter."""
    if ticket is None:
        return None
    return url_for("queue.ticket_print", token=ticket.token, kembali=url_for("queue.counter"))


def issued_ticket():
    """The walk-in ticket named in ?tiket= (after a no-JS issue), if it is today's."""
    ticket = db.session.get(Ticket, request.args.get("tiket", type=db_int) or 0)
    return ticket if ticket and ticket.day == office_today() else None
