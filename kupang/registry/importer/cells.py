"""What every sheet reader shares: cell references, merged ranges, Excel's text escapes, ISO date cells."""
import re
from collections import deque
from datetime import date, datetime, time

MAX_COLUMNS = 512  # a stray cell far to the right must not blow a row up to 16,384 cells
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_LETTERS = {}


def unescape(text):
    """Undo Excel's `_xHHHH_` escapes (`_x000D_` is a CR; `_x005F_` keeps the underscore of a literal `_x..._`)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def column_index(letters):
    """0-based column of a cell reference's letters ('A' -> 0, 'AB' -> 27)."""
    index = _LETTERS.get(letters)
    if index is None:
        index = 0
        for char in letters.upper():
            index = index * 26 + ord(char) - 64
        index -= 1
        if len(_LETTERS) < 20_000:
            _LETTERS[letters] = index
    return index


def cell_ref(row, column):
    """'B7' for row 7, column 1."""
    letters, column = "", column + 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


class Merges:
    """Merged ranges of a sheet; every cell of a range but its top-left one is hidden."""

    def __init__(self, ranges):
        self.pending = deque(sorted(ranges))  # (first row, last row, first column, last column)
        self.active = []

    def hidden(self, row):
        """{column: True} of the hidden cells of a row (rows come in ascending order)."""
        while self.pending and self.pending[0][0] <= row:
            self.active.append(self.pending.popleft())
        self.active = [r for r in self.active if r[1] >= row]
        hidden = set()
        for first_row, _last_row, first_col, last_col in self.active:
            for column in range(first_col, min(last_col, MAX_COLUMNS - 1) + 1):
                if (row, column) != (first_row, first_col):
                    hidden.add(column)
        return hidden


def iso_value(raw):
    """A t="d" cell: ISO date, date-time or time of day; text left as it is when it is none of those."""
    text = raw.strip().rstrip("Z")
    for kind in (datetime, time):
        try:
            value = kind.fromisoformat(text)
        except ValueError:
            continue
        return value
    try:
        return datetime.combine(date.fromisoformat(text), time())
    except ValueError:
        return raw
