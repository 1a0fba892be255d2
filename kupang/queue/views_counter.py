"""The counter page (/loket): a clerk opens a counter, calls, serves and finishes tickets."""
from flask import Response, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..auth.models import User
from ..extensions import db
from ..htmx import add_vary, hx_redirect, is_htmx
from ..params import db_int
from ..registry.disclosure import lookup_residents
from ..registry.masking import mask_nik
from ..security import roles_required
from ..timeutil import now_utc, office_today
from . import bp, calling
from .display import current_token
from .models import PRIORITIES, TICKET_STATUS, Counter, Service, Ticket
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


def counter_context(item):
    """Everything the counter page and its fragments show for one counter."""
    ticket = calling.current_ticket(item)
    return {
        "counter": item,
        "ticket": ticket,
        "now": now_utc(),
        "priorities": PRIORITIES,
        "mask_nik": mask_nik,
        "status_labels": TICKET_STATUS,
        "targets": calling.transfer_targets(ticket) if ticket else [],
        "no_show_ready": bool(ticket and ticket.status == "called" and ticket.call_count > 1),
        **waiting_context(item),
        **stats_context(item),
        "walkin_services": db.session.scalars(
            select(Service).where(Service.active.is_(True)).order_by(Service.sort_order, Service.name)).all(),
    }


def waiting_context(item):
    """Waiting counts per service (this counter's first) and the change token for polling."""
    token = current_token()
    counts = calling.waiting_by_service()
    own = {s.id for s in item.services}
    services = db.session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.sort_order, Service.name)).all()
    rows = [(s, counts.get(s.id, 0), s.id in own) for s in services]
    rows.sort(key=lambda row: not row[2])
    return {"waiting_rows": rows, "waiting_token": token, "waiting_own": sum(r[1] for r in rows if r[2])}


def stats_context(item):
    """Today's figures for this counter and for this clerk."""
    return {"counter_stats": calling.counter_stats(counter=item),
            "clerk_stats": calling.counter_stats(clerk=current_user)}


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


def _act_next(item, _ticket, form):
    before = calling.current_ticket(item)
    ticket = calling.call_next_ticket(item, current_user)
    if ticket is None:
        return "Tidak ada nomor yang menunggu untuk layanan loket ini.", "info"
    if before is not None and before.id == ticket.id:
        return f"Nomor {ticket.code} masih di loket ini. Selesaikan dahulu sebelum memanggil berikutnya.", "info"
    return f"Nomor {ticket.code} dipanggil ke loket {item.number}.", "success"


def _act_recall(item, ticket, form):
    calling.recall(ticket, counter=item)
    return f"Nomor {ticket.code} dipanggil ulang.", "success"


def _act_start(item, ticket, form):
    calling.start_service(ticket, counter=item)
    return f"Mulai melayani nomor {ticket.code}.", "success"


def _act_finish(item, ticket, form):
    raw = (form.get("resident_id") or "").strip()
    if raw and not raw.isdigit():
        raise QueueError("Penduduk yang dipilih tidak valid.")
    resident_id = int(raw) if raw else None
    calling.finish(ticket, resident_id, form.get("note", ""), counter=item)
    if resident_id is not None:
        audit.record("queue_resident_linked", "ticket", ticket.id, resident_id=resident_id, code=ticket.code)
    return f"Nomor {ticket.code} selesai dilayani.", "success"


def _act_no_show(item, ticket, form):
    calling.mark_no_show(ticket, counter=item)
    return f"Nomor {ticket.code} ditandai tidak hadir.", "success"


def _act_transfer(item, ticket, form):
    service = db.session.get(Service, form.get("service_id", type=db_int) or 0)
    calling.transfer(ticket, service, counter=item)
    return f"Nomor {ticket.code} dialihkan ke layanan {service.name} dengan nomor dan urutan yang sama.", "success"


def _act_return(item, ticket, form):
    calling.return_to_queue(ticket, counter=item)
    return f"Nomor {ticket.code} dikembalikan ke antrian sesuai urutan ambil nomor.", "success"


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
    session = calling.open_session(current_user)
    context = {"issued": ticket, "print_url": print_url(ticket),
               "walkin_services": db.session.scalars(
                   select(Service).where(Service.active.is_(True)).order_by(Service.sort_order, Service.name)).all(),
               "priorities": PRIORITIES}
    if session is not None:
        context.update(counter=session.counter, **waiting_context(session.counter))
    return add_vary(make_response(render_template("queue/_counter_walkin.html", oob=True, **context)), "HX-Request")


def print_url(ticket):
    """The printable ticket's address (the kiosk helper's print page), coming back to the counter."""
    if ticket is None or "queue.ticket_print" not in current_app.view_functions:
        return None
    return url_for("queue.ticket_print", token=ticket.token, kembali=url_for("queue.counter"))


def issued_ticket():
    """The walk-in ticket named in ?tiket= (after a no-JS issue), if it is today's."""
    ticket = db.session.get(Ticket, request.args.get("tiket", type=db_int) or 0)
    return ticket if ticket and ticket.day == office_today() else None
