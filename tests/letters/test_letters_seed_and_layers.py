"""The demo seed of the letters area, and the import rule: the registry and the queue know nothing of letters."""
import re
from pathlib import Path

from sqlalchemy import func, select

from kupang.extensions import db
from kupang.letters.models import Letter, LetterType, Signatory
from kupang.letters.seed import TYPES

ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_adds_the_types_a_signatory_and_issued_letters_once(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--residents", "30"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        titles = db.session.scalars(select(LetterType.title)).all()
        assert sorted(titles) == sorted(t[0] for t in TYPES) and len(titles) == 8
        assert db.session.scalar(select(func.count()).select_from(Signatory)) == 1
        statuses = db.session.scalars(select(Letter.status).order_by(Letter.id)).all()
        assert statuses == ["issued", "issued", "issued", "void", "draft"]
        assert db.session.get(Letter, 1).number.startswith("474/0001/NKT.II/")
        linked = db.session.scalar(select(func.count()).select_from(LetterType)
                                   .where(LetterType.service_id.is_not(None)))
        assert linked == 7  # every service with a letter proposes its type; the general letter has none


def test_registry_and_queue_never_import_the_letters_area():
    pattern = re.compile(r"^\s*(from|import)\s+[.\w]*letters", re.M)
    offenders = [str(path.relative_to(ROOT)) for area in ("registry", "queue")
                 for path in (ROOT / "kupang" / area).rglob("*.py") if pattern.search(path.read_text())]
    assert not offenders, offenders
