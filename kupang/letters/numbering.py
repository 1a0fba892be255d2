"""Letter numbering: one locked increment per issue, gap-free and duplicate-free, per WITA year.

Modelled on kupang/queue/numbering.py. Issuing advances the (year, key) row of `letter_sequence` inside
the issuing write transaction: on SQLite that transaction is `BEGIN IMMEDIATE` (every POST is; a CLI
task or test uses kupang.db.write_intent()), so writers are serialised from their first statement; on
PostgreSQL the row is created with `INSERT ... ON CONFLICT DO NOTHING` and locked with `SELECT ... FOR
UPDATE`. The unique constraint on (kelurahan, year, key, value) of `letter` is the backstop. The key is
the type's classification code, or "*" when the office numbers all letters in one sequence. A clock that
reads earlier than the sequence's last issue refuses instead of repeating or reordering numbers.
"""
import re

from sqlalchemy import exists, select

from ..db import dialect_insert, is_sqlite, lock_for_update, wants_write
from ..extensions import db
from ..timeutil import now_utc, to_local
from .models import LetterSequence

OFFICE_WIDE = "*"
ROMAN_MONTHS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
TOKENS = ("kode", "nomor", "kelurahan", "bulan_romawi", "bulan", "tahun")
TOKEN = re.compile(r"\{([a-z_]+)\}")


class NumberingError(ValueError):
    """A number cannot be given; the message is Indonesian."""


def check_format(pattern):
    """Raise NumberingError unless the format uses known tokens only and contains {nomor}."""
    unknown = sorted(set(TOKEN.findall(pattern)) - set(TOKENS))
    if unknown:
        raise NumberingError(f"Token tidak dikenal pada format nomor: {', '.join('{' + t + '}' for t in unknown)}. "
                             f"Token yang tersedia: {', '.join('{' + t + '}' for t in TOKENS)}.")
    if "{nomor}" not in pattern:
        raise NumberingError("Format nomor harus memuat {nomor}.")
    if len(pattern) > 60:
        raise NumberingError("Format nomor terlalu panjang (maksimal 60 karakter).")


def format_number(pattern, *, code, value, kelurahan, at):
    """'470/0123/NKT.II/XII/2026' for a UTC instant `at` (month and year in WITA); nomor padded to 4."""
    local = to_local(at)
    tokens = {"kode": code, "nomor": f"{value:04d}", "kelurahan": kelurahan,
              "bulan_romawi": ROMAN_MONTHS[local.month - 1], "bulan": f"{local.month:02d}", "tahun": str(local.year)}
    return TOKEN.sub(lambda match: tokens.get(match.group(1), match.group(0)), pattern)


def sequence_key(code, scope):
    """The sequence a letter of this code draws from: its code, or the office's one sequence."""
    return OFFICE_WIDE if scope == "kantor" else code


def lock_sequence(year, key):
    """The (year, key) sequence row, created when missing and locked for this transaction."""
    stmt = dialect_insert(LetterSequence.__table__).values(year=year, key=key, last_value=0)
    db.session.execute(stmt.on_conflict_do_nothing())
    query = select(LetterSequence).where(LetterSequence.year == year, LetterSequence.key == key)
    return db.session.scalars(lock_for_update(query).execution_options(populate_existing=True)).one()


def _check_clock(sequence, at):
    later_year = db.session.scalar(select(exists().where(LetterSequence.key == sequence.key,
                                                         LetterSequence.year > sequence.year)))
    last = sequence.last_issued_at
    if later_year or (last is not None and at < last):
        when = f" ({to_local(last):%d-%m-%Y %H.%M.%S} WITA)" if last and not later_year else ""
        raise NumberingError(
            "Jam komputer server lebih awal dari surat terakhir yang sudah diterbitkan"
            f"{when}. Surat tidak diterbitkan agar tidak ada nomor ganda; minta admin memeriksa jam server.")


def next_number(code, scope, at=None):
    """Advance the sequence for `code` in the WITA year of `at` (now by default); (year, key, value, at).

    Adds to the current write transaction; the caller stores the value on the letter and commits.
    """
    if is_sqlite() and not wants_write():
        raise RuntimeError("next_number needs a write transaction: a POST request or kupang.db.write_intent()")
    fresh_clock = at is None
    at = at or now_utc()
    key = sequence_key(code, scope)
    sequence = lock_sequence(to_local(at).year, key)
    if fresh_clock:
        # Read the clock again once the lock is held: a writer that waited must not be stamped earlier
        # than the letter issued while it waited (and may have crossed into a new year meanwhile).
        at = max(at, now_utc())
        if to_local(at).year != sequence.year:
            sequence = lock_sequence(to_local(at).year, key)
    _check_clock(sequence, at)
    sequence.last_value += 1
    sequence.last_issued_at = at
    return sequence.year, sequence.key, sequence.last_value, at
