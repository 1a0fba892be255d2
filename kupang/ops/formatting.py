"""Template filters of the operations pages: byte sizes and durations in Indonesian."""
from ..layout import format_number_id


def format_size(value):
    """'1,2 MB' for a byte count ('–' for None)."""
    if value is None:
        return "–"
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if value >= size:
            return f"{format_number_id(value / size, 1)} {unit}"
    return f"{value} bita"


def format_duration(seconds):
    """'3 hari 4 jam', '2 jam 5 menit', '40 detik' for a number of seconds ('–' for None)."""
    if seconds is None:
        return "–"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} hari {hours} jam"
    if hours:
        return f"{hours} jam {minutes} menit"
    if minutes:
        return f"{minutes} menit"
    return f"{secs} detik"


def register_filters(app):
    """Add the filters to the app's templates."""
    app.add_template_filter(format_size, "ukuran")
    app.add_template_filter(format_duration, "lama")
