"""Field-by-field change history for residents: every change says who, when, from what to what."""
from datetime import date

from ..extensions import db
from .models import ResidentChange

# Fields whose values are personal numbers: history rows are shown masked like everything else.
NUMBER_FIELDS = {"nik"}


def as_text(value):
    """A stored value as history text (None stays None)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def apply_changes(resident, values, user=None, source="form"):
    """Set the given attributes on a resident and add one ResidentChange per field that really changed.

    Returns the names of the changed fields. New residents (no id yet) get no history rows for
    their initial values.
    """
    changed = []
    for field, new in values.items():
        old = getattr(resident, field)
        if as_text(old) == as_text(new):
            continue
        setattr(resident, field, new)
        changed.append(field)
        if resident.id is not None:
            db.session.add(ResidentChange(
                resident_id=resident.id, user_id=getattr(user, "id", None), field=field,
                old_value=as_text(old), new_value=as_text(new), source=source,
            ))
    if changed and user is not None:
        resident.updated_by_id = user.id
    return changed
