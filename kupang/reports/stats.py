"""Plain statistics the reports print: median and percentiles, computed the way a spreadsheet checks them.

Percentiles interpolate linearly between the two nearest ranks, as PERCENTILE.INC in Excel and
LibreOffice (and numpy's default) do, so a supervisor can check any figure in a spreadsheet.
"""
import math


def percentile(values, share):
    """The `share` (0..1) percentile of the numbers, or None for no numbers."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= share <= 1:
        raise ValueError("share must be between 0 and 1")
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values):
    """The middle value (the mean of the two middle ones for an even count), or None."""
    return percentile(values, 0.5)


def share_percent(part, whole):
    """part/whole as a percentage, or None when there is no whole."""
    return None if not whole else 100.0 * part / whole


def minutes(seconds):
    """Seconds as minutes (float), None passes through."""
    return None if seconds is None else seconds / 60.0
