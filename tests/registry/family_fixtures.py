"""Plain helpers the family, completeness and duplicate tests share: families and residents made directly."""
from datetime import date

from kupang.db import write_intent
from kupang.extensions import db
from kupang.registry.models import Family, Resident

KELURAHAN = "53.71.05.1005"


def nik_for(born, sex, serial=1, region="537105"):
    """A NIK whose encoded birth date and sex match (day + 40 for women)."""
    day = born.day + (40 if sex == 2 else 0)
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def kk(serial):
    """A KK number of the office's district."""
    return f"537105010120{serial:04d}"


def add_family(kk_number, rt="001", rw="001", address="Jl. El Tari No. 1"):
    """A family (not committed)."""
    family = Family(kk_number=kk_number, rt=rt, rw=rw, address=address, kelurahan_code=KELURAHAN)
    db.session.add(family)
    db.session.flush()
    return family


def add_person(name, sex=1, born=date(1980, 1, 1), shdk=None, family=None, nik=None, **fields):
    """A resident (not committed); RT/RW and address follow the family unless given."""
    values = {"rt": getattr(family, "rt", "001"), "rw": getattr(family, "rw", "001"),
              "address": getattr(family, "address", ""), "life_status": "hidup", "birth_place": "Kupang"}
    values.update(fields)
    resident = Resident(name=name, sex=sex, birth_date=born, shdk=shdk, nik=nik, kelurahan_code=KELURAHAN,
                        family_id=getattr(family, "id", None), **values)
    db.session.add(resident)
    db.session.flush()
    return resident


def commit():
    """Commit what the helpers added, in a write transaction."""
    with write_intent():
        db.session.commit()


def standard_family(app, serial=1, rt="001", rw="001"):
    """Father (head), mother (wife), two children, committed; returns (family id, {role: resident id})."""
    with app.app_context(), write_intent():
        family = add_family(kk(serial), rt=rt, rw=rw)
        people = {
            "head": add_person(f"Yohanes Ndun {serial}", 1, date(1975, 3, 12), 1, family,
                               nik_for(date(1975, 3, 12), 1, serial * 10 + 1)),
            "wife": add_person(f"Maria Bria {serial}", 2, date(1978, 7, 1), 3, family,
                               nik_for(date(1978, 7, 1), 2, serial * 10 + 2)),
            "child": add_person(f"Petrus Ndun {serial}", 1, date(2005, 5, 20), 4, family,
                                nik_for(date(2005, 5, 20), 1, serial * 10 + 3)),
            "baby": add_person(f"Ester Ndun {serial}", 2, date(2015, 9, 9), 4, family),
        }
        family.head_id = people["head"].id
        db.session.commit()
        return family.id, {role: person.id for role, person in people.items()}
