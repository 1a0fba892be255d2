"""What the city keeps from each fed row besides its JSON copy: report tables, filled as batches apply.

The feed's apply calls `project()` for every change it applies, in the same transaction, with the row's
columns (or None when the office deleted it). A report area registers one projector per fed table it
needs (`@projector("resident")`), so the feed knows no report and a report needs no JSON scan.
"""

PROJECTORS = {}


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
