"""Letter numbers: formats, the yearly reset at WITA new year, per-code vs office-wide, a clock gone back."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from kupang.db import write_intent
from kupang.extensions import db
from kupang.letters.models import LetterSequence
from kupang.letters.numbering import NumberingError, check_format, format_number, next_number

from .fixtures import wita


def test_default_format_gives_the_offices_usual_number(app):
    with app.app_context():
        number = format_number("{kode}/{nomor}/{kelurahan}/{bulan_romawi}/{tahun}", code="470", value=123,
                               kelurahan="NKT.II", at=wita(2026, 12, 1))
    assert number == "470/0123/NKT.II/XII/2026"


def test_month_and_year_are_the_wita_ones(app):
    """31 December 2026 23:30 WITA is still 2026 though UTC is 15:30 the same day; 1 January 00:30 WITA is 2027."""
    with app.app_context():
        before = format_number("{nomor}/{bulan_romawi}/{tahun}", code="x", value=1, kelurahan="",
                               at=wita(2026, 12, 31, 23, 30))
        after = format_number("{nomor}/{bulan}/{tahun}", code="x", value=1, kelurahan="",
                              at=wita(2027, 1, 1, 0, 30))
    assert before == "0001/XII/2026"
    assert after == "0001/01/2027"


def test_large_numbers_are_not_cut(app):
    with app.app_context():
        assert format_number("{nomor}", code="", value=12345, kelurahan="", at=wita(2026, 5, 5)) == "12345"


@pytest.mark.parametrize(("pattern", "message"), [
    ("{kode}/{tahun}", "harus memuat {nomor}"),
    ("{kode}/{nomor}/{rahasia}", "Token tidak dikenal"),
])
def test_bad_formats_are_refused_in_indonesian(pattern, message):
    with pytest.raises(NumberingError, match=message.replace("{", r"\{").replace("}", r"\}")):
        check_format(pattern)


def _issue(code, scope, at):
    with write_intent():
        result = next_number(code, scope, at)
        db.session.commit()
        return result[:3]


def test_per_code_sequences_count_separately(app):
    with app.app_context():
        assert _issue("470", "kode", wita(2026, 3, 1)) == (2026, "470", 1)
        assert _issue("470", "kode", wita(2026, 3, 2)) == (2026, "470", 2)
        assert _issue("474", "kode", wita(2026, 3, 3)) == (2026, "474", 1)
        assert _issue("470", "kode", wita(2026, 3, 4)) == (2026, "470", 3)


def test_office_wide_sequence_counts_every_code_together(app):
    with app.app_context():
        assert _issue("470", "kantor", wita(2026, 3, 1)) == (2026, "*", 1)
        assert _issue("474", "kantor", wita(2026, 3, 2)) == (2026, "*", 2)
        assert _issue("503", "kantor", wita(2026, 3, 3)) == (2026, "*", 3)


def test_sequence_restarts_at_wita_new_year(app):
    """A letter at 23:59 WITA on 31 December is the year's last; the one at 00:01 WITA on 1 January is 0001."""
    with app.app_context():
        assert _issue("470", "kode", wita(2026, 12, 31, 23, 58)) == (2026, "470", 1)
        assert _issue("470", "kode", wita(2026, 12, 31, 23, 59)) == (2026, "470", 2)
        # 00:01 WITA is still 31 December in UTC (16:01): the year is the WITA one.
        new_year = wita(2027, 1, 1, 0, 1)
        assert new_year.year == 2026
        assert _issue("470", "kode", new_year) == (2027, "470", 1)
        rows = db.session.execute(select(LetterSequence.year, LetterSequence.last_value)).all()
        assert sorted(rows) == [(2026, 2), (2027, 1)]


def test_a_clock_gone_back_refuses_instead_of_repeating(app):
    with app.app_context():
        _issue("470", "kode", wita(2026, 6, 1, 10))
        with pytest.raises(NumberingError, match="Jam komputer server lebih awal"):
            _issue("470", "kode", wita(2026, 6, 1, 10) - timedelta(minutes=5))
        with write_intent():
            db.session.rollback()
        assert db.session.get(LetterSequence, (2026, "470")).last_value == 1


def test_a_clock_back_into_last_year_refuses(app):
    with app.app_context():
        _issue("470", "kode", wita(2027, 1, 2))
        with pytest.raises(NumberingError):
            _issue("470", "kode", wita(2026, 12, 30))


def test_numbering_outside_a_write_transaction_is_a_programming_error(sqlite_template, tmp_path, instance_dir):
    """On SQLite a deferred transaction that turns into a write fails under load: next_number refuses it."""
    import shutil

    from tests.conftest import build_app

    shutil.copy(sqlite_template, tmp_path / "k.db")
    app = build_app(f"sqlite:///{tmp_path / 'k.db'}", instance_dir)
    with app.app_context():
        with pytest.raises(RuntimeError, match="write transaction"):
            next_number("470", "kode", wita(2026, 1, 5))
        db.session.remove()
        db.engine.dispose()
