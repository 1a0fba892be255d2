"""The counter's "Buat surat" while a ticket is served, offered only when its service has a letter type."""
from flask import url_for

from ..queue.serving_links import ServingLink, register
from . import bp
from .issuing import letter_type_for_service


def letter_link(ticket):
    """"Buat surat" for the served ticket, naming the type its service proposes; None when it has none."""
    letter_type = letter_type_for_service(ticket.service_id)
    if letter_type is None:
        return None
    return ServingLink("Buat surat", url_for("letters.new", tiket=ticket.id),
                       f"untuk nomor {ticket.code}: {letter_type.title}.")


@bp.record_once
def _register(state):
    register(state.app, letter_link)
