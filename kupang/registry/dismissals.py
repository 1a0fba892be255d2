"""'Bukan data ganda': a suspected pair a clerk found to be two people, recorded once and never suggested again."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from .models import DuplicateDismissal, Resident

NOTE_MAX = 300


class DismissError(ValueError):
    """A pair that cannot be marked; the message is Indonesian and shown to the clerk."""


def pair_key(a_id, b_id):
    """The pair as stored: lower id first."""
    return (a_id, b_id) if a_id < b_id else (b_id, a_id)


def dismissed_keys():
    """Every pair marked 'Bukan data ganda', as (lower id, higher id)."""
    return set(db.session.execute(select(DuplicateDismissal.first_id, DuplicateDismissal.second_id)).tuples())


def dismiss_pair(a_id, b_id, user=None, note=""):
    """Record that two residents are different people; True when recorded now, False when it already was.

    A second identical request (a double click, another clerk at the same moment) records nothing more:
    the pair is unique, and the loser's insert is rolled back to its savepoint.
    """
    if not a_id or not b_id or a_id == b_id:
        raise DismissError("Pilih dua data penduduk yang berbeda.")
    found = {r.id: r for r in db.session.scalars(select(Resident).where(Resident.id.in_([a_id, b_id])))}
    if len(found) != 2:
        raise DismissError("Data penduduk yang dipilih tidak ditemukan.")
    if any(r.merged_into_id is not None for r in found.values()):
        raise DismissError("Salah satu data sudah digabungkan ke data lain; pasangan ini tidak perlu ditandai.")
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise DismissError(f"Keterangan paling banyak {NOTE_MAX} karakter.")
    first, second = pair_key(a_id, b_id)
    if db.session.scalar(select(DuplicateDismissal.id).where(DuplicateDismissal.first_id == first,
                                                             DuplicateDismissal.second_id == second)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(DuplicateDismissal(first_id=first, second_id=second, note=note,
                                              user_id=getattr(user, "id", None),
                                              kelurahan_code=found[first].kelurahan_code
                                              or current_app.config["KELURAHAN_CODE"]))
    except IntegrityError:
        return False
    for resident_id, other_id in ((first, second), (second, first)):
        audit.record("duplicate_dismissed", "resident", resident_id, user=user, other_id=other_id,
                     **({"note": note} if note else {}))
    return True
