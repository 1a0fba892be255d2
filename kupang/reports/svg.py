"""Charts drawn on the server as small inline SVG: no chart library, no script, readable without colour.

Every bar and cell carries its number as text, the two series of a chart differ by pattern (solid and
hatched) as well as by shade, and each chart has a title and a text alternative; the same numbers are
always printed in a table under the chart.
"""
from markupsafe import Markup, escape

from ..layout import format_number_id, format_thousands

INK, MUTED, LINE = "#1c2530", "#5b6672", "#d6dde4"
SERIES = ("#0b5d7a", "#e2a100")
FONT = 'font-family="system-ui, sans-serif"'


def _number(value, digits=0):
    if value is None:
        return "–"
    if digits == 0:
        return format_thousands(int(round(value)))
    return format_number_id(value, digits)


def _defs(chart_id):
    """A hatch pattern for the second series, so it reads apart from the first without colour."""
    return (f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<rect width="3" height="6" fill="{SERIES[1]}"/></pattern></defs>')


def _fill(chart_id, series):
    return SERIES[0] if series == 0 else f"url(#{chart_id}-hatch)"


def _open(chart_id, width, height, title):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-labelledby="{chart_id}-title" {FONT} font-size="12">'
            f'<title id="{chart_id}-title">{escape(title)}</title>')


def _legend(chart_id, names, x, y):
    parts = []
    for index, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y - 10}" width="14" height="12" fill="{_fill(chart_id, index)}" '
                     f'stroke="{SERIES[index]}"/><text x="{x + 19}" y="{y}" fill="{INK}">{escape(name)}</text>')
        x += 28 + 7 * len(name)
    return "".join(parts)


def bar_chart(chart_id, title, rows, series_names, digits=0, label_width=190, width=720):
    """Horizontal bars: rows of (label, [value per series]); each bar ends in its number."""
    series = len(series_names)
    bar, gap = 14, 10
    group = series * bar + gap
    top = 28
    height = top + max(1, len(rows)) * group + 8
    biggest = max([v or 0 for _label, values in rows for v in values] + [1])
    plot = width - label_width - 70
    out = [_open(chart_id, width, height, title), _defs(chart_id), _legend(chart_id, series_names, label_width, 14)]
    for index, (label, values) in enumerate(rows):
        y = top + index * group
        out.append(f'<text x="{label_width - 8}" y="{y + series * bar / 2 + 4}" text-anchor="end" fill="{INK}">'
                   f'{escape(_short(label, 30))}</text>')
        for s, value in enumerate(values):
            length = 0 if not value else max(1.5, plot * value / biggest)
            by = y + s * bar
            out.append(f'<rect x="{label_width}" y="{by}" width="{length:.1f}" height="{bar - 2}" '
                       f'fill="{_fill(chart_id, s)}" stroke="{SERIES[s]}" stroke-width=".6"/>'
                       f'<text x="{label_width + length + 5:.1f}" y="{by + bar - 4}" fill="{INK}">'
                       f'{_number(value, digits)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def column_chart(chart_id, title, labels, values, every=1, width=720, height=200):
    """Vertical columns over time (days, months); the axis shows the largest value, the table has the rest."""
    left, bottom, top = 44, 26, 12
    plot_w, plot_h = width - left - 8, height - top - bottom
    biggest = max([v or 0 for v in values] + [1])
    step = plot_w / max(1, len(values))
    out = [_open(chart_id, width, height, title),
           f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="{MUTED}"/>',
           f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" fill="{MUTED}">{_number(biggest)}</text>',
           f'<line x1="{left}" y1="{top}" x2="{width - 8}" y2="{top}" stroke="{LINE}" stroke-dasharray="3 3"/>',
           f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" fill="{MUTED}">0</text>']
    for index, value in enumerate(values):
        h = plot_h * (value or 0) / biggest
        x = left + index * step
        out.append(f'<rect x="{x + step * .12:.1f}" y="{top + plot_h - h:.1f}" width="{max(1, step * .76):.1f}" '
                   f'height="{h:.1f}" fill="{SERIES[0]}"><title>{escape(labels[index])}: {_number(value)}</title>'
                   '</rect>')
        if index % every == 0:
            out.append(f'<text x="{x + step / 2:.1f}" y="{height - 8}" text-anchor="middle" fill="{MUTED}" '
                       f'font-size="10">{escape(labels[index])}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def heat_map(chart_id, title, row_labels, column_labels, values, width=720):
    """A grid (weekday x hour): each cell is shaded by its count and shows the count itself."""
    left, top = 70, 22
    cell_w = (width - left - 6) / max(1, len(column_labels))
    cell_h = 26
    height = top + cell_h * len(row_labels) + 6
    biggest = max([v for row in values for v in row] + [1])
    out = [_open(chart_id, width, height, title)]
    for c, label in enumerate(column_labels):
        out.append(f'<text x="{left + c * cell_w + cell_w / 2:.1f}" y="{top - 7}" text-anchor="middle" '
                   f'fill="{MUTED}">{escape(label)}</text>')
    for r, label in enumerate(row_labels):
        y = top + r * cell_h
        out.append(f'<text x="{left - 8}" y="{y + cell_h / 2 + 4}" text-anchor="end" fill="{INK}">'
                   f'{escape(label)}</text>')
        for c, value in enumerate(values[r]):
            shade = value / biggest
            fill = _blend(shade)
            ink = "#fff" if shade > .55 else INK
            x = left + c * cell_w
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" fill="{fill}" '
                       f'stroke="{LINE}"/><text x="{x + cell_w / 2 - 1:.1f}" y="{y + cell_h / 2 + 4}" '
                       f'text-anchor="middle" fill="{ink}" font-size="11">{_number(value) if value else ""}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _blend(shade):
    """White to the brand blue by share (0-1)."""
    start, end = (255, 255, 255), (11, 93, 122)
    rgb = [round(a + (b - a) * shade) for a, b in zip(start, end, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def pyramid(chart_id, title, bands, left_values, right_values, names=("Laki-laki", "Perempuan"), width=720):
    """A population pyramid: age bands from the youngest at the bottom, men left (solid), women right (hatched)."""
    mid_w = 64
    bar = 17
    top = 30
    height = top + bar * len(bands) + 8
    half = (width - mid_w) / 2 - 50
    biggest = max(list(left_values) + list(right_values) + [1])
    centre_left = (width - mid_w) / 2
    centre_right = centre_left + mid_w
    out = [_open(chart_id, width, height, title), _defs(chart_id), _legend(chart_id, names, 8, 14)]
    for index, band in enumerate(reversed(bands)):
        position = len(bands) - 1 - index
        y = top + index * bar
        lv, rv = left_values[position], right_values[position]
        lw, rw = half * lv / biggest, half * rv / biggest
        out.append(f'<rect x="{centre_left - lw:.1f}" y="{y}" width="{lw:.1f}" height="{bar - 3}" '
                   f'fill="{_fill(chart_id, 0)}"/>'
                   f'<text x="{centre_left - lw - 4:.1f}" y="{y + bar - 6}" text-anchor="end" fill="{INK}">'
                   f'{_number(lv)}</text>'
                   f'<text x="{width / 2}" y="{y + bar - 6}" text-anchor="middle" fill="{INK}">{escape(band)}</text>'
                   f'<rect x="{centre_right}" y="{y}" width="{rw:.1f}" height="{bar - 3}" fill="{_fill(chart_id, 1)}" '
                   f'stroke="{SERIES[1]}" stroke-width=".6"/>'
                   f'<text x="{centre_right + rw + 4:.1f}" y="{y + bar - 6}" fill="{INK}">{_number(rv)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def line_chart(chart_id, title, labels, values, low=None, high=100.0, digits=1, suffix=" %", width=720, height=190):
    """A line over time (NIK completeness, say) with a dot per point and the first and last values written."""
    left, bottom, top = 52, 24, 14
    plot_w, plot_h = width - left - 40, height - top - bottom
    known = [v for v in values if v is not None]
    if low is None:
        low = max(0.0, (min(known) if known else 0) - 2)
    span = (high - low) or 1
    out = [_open(chart_id, width, height, title)]
    for level in (low, (low + high) / 2, high):
        y = top + plot_h * (1 - (level - low) / span)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{LINE}"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                   f'{format_number_id(level, 0)}{suffix}</text>')
    points = []
    step = plot_w / max(1, len(values) - 1)
    for index, value in enumerate(values):
        if value is None:
            continue
        points.append((left + index * step, top + plot_h * (1 - (value - low) / span), value, labels[index]))
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v, _l in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{SERIES[0]}" stroke-width="2"/>')
        for x, y, value, label in points:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{SERIES[0]}"><title>{escape(label)}: '
                       f'{format_number_id(value, digits)}{suffix}</title></circle>')
        for x, y, value, _label in (points[0], points[-1]):
            out.append(f'<text x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" fill="{INK}">'
                       f'{format_number_id(value, digits)}{suffix}</text>')
        out.append(f'<text x="{left}" y="{height - 6}" fill="{MUTED}">{escape(points[0][3])}</text>'
                   f'<text x="{left + plot_w}" y="{height - 6}" text-anchor="end" fill="{MUTED}">'
                   f'{escape(points[-1][3])}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _short(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"
