"""What the city keeps from each fed row besides its JSON copy: report tables, filled as batches apply.

The feed's apply calls `project()` for every change it applies, in the same transaction, with the row's
columns (or None when the office deleted it). A report area registers one projector per fed table it
needs (`@projector("resident")`), so the feed knows no report and a report needs no JSON scan. A report area
may also send something back with the acknowledgement (`@answer_part`): the office's residents that the city
finds registered active in another kelurahan too.
"""

PROJECTORS = {}
ANSWER_PARTS = []


def projector(table_name):
    """Register fn(office_code, row_id, data | None) as the projector of one fed table."""

    def register(fn):
        PROJECTORS.setdefault(table_name, []).append(fn)
        return fn

    return register


def project(office_code, table_name, row_id, data):
    """Run every projector of the table for one applied change (data None: the row was deleted)."""
    for fn in PROJECTORS.get(table_name, ()):
        fn(office_code, row_id, data)


def answer_part(fn):
    """Register fn(office_code) -> dict, merged into the city's answer to that office's accepted batch."""
    ANSWER_PARTS.append(fn)
    return fn


def answer_parts(office_code):
    """What the registered report areas add to an office's answer (what the office should know back)."""
    merged = {}
    for fn in ANSWER_PARTS:
        merged.update(fn(office_code))
    return merged
