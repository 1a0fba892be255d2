"""The checked rows of a file, kept between the check and the confirmation so a big file is read only once.

JSON lines next to the upload: a header line, then one array per row. Only what reading the file
produced is stored (values, errors and warnings of each row on its own); the checks across rows and
against the database run again at confirmation, on the data as it is then.
"""
import json
from datetime import date

from .columns import FIELDS, Header
from .normalise import RowData

VERSION = 1
BIRTH = FIELDS.index("birth_date")


def _text(value):
    return value if value is None or isinstance(value, str | int | float) else str(value)


def save_rows(plan, path):
    """Write the plan's rows as read from the file (call before the cross-row and database checks)."""
    header = plan.header
    head = {"version": VERSION, "sheet": plan.sheet_name, "notes": plan.notes,
            "header": {"row_number": header.row_number, "texts": [_text(t) for t in header.texts],
                       "columns": header.columns, "unknown": header.unknown, "repeated": header.repeated}}
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(head, ensure_ascii=False) + "\n")
        for row in plan.rows:
            values = [getattr(row, name) for name in FIELDS]
            if values[BIRTH] is not None:
                values[BIRTH] = values[BIRTH].isoformat()
            fh.write(json.dumps([row.line, row.status, row.issues, row.has_warnings, row.name_key, values],
                                ensure_ascii=False, separators=(",", ":")) + "\n")


def load_rows(path, plan_class):
    """A plan with the rows saved by save_rows; raises ValueError or OSError when the file is unusable."""
    with open(path, encoding="utf-8") as fh:
        head = json.loads(fh.readline())
        if head.get("version") != VERSION:
            raise ValueError("row cache of another version")
        saved = head["header"]
        header = Header(row_number=saved["row_number"], texts=saved["texts"], columns=saved["columns"],
                        unknown=[tuple(item) for item in saved["unknown"]],
                        repeated=[tuple(item) for item in saved["repeated"]])
        plan = plan_class(header=header, sheet_name=head["sheet"], notes=head["notes"])
        for line in fh:
            number, status, issues, has_warnings, name_key, values = json.loads(line)
            row = RowData(number)
            for name, value in zip(FIELDS, values, strict=True):
                setattr(row, name, value)
            if row.birth_date is not None:
                row.birth_date = date.fromisoformat(row.birth_date)
            row.status, row.has_warnings, row.name_key = status, has_warnings, name_key
            row.issues = [tuple(issue) for issue in issues] if issues else None
            plan.rows.append(row)
    return plan
