"""What every page template needs: navigation by role, filters, office identity."""
from flask import current_app, url_for
from flask_login import current_user

from .timeutil import format_date_id, format_datetime_wita, to_local

ALL_STAFF = ("admin", "supervisor", "clerk")

# (endpoint, label, roles). An entry appears only once its area provides the endpoint.
NAV = [
    ("dashboard.index", "Beranda", ALL_STAFF),
    ("registry.search", "Penduduk", ALL_STAFF),
    ("registry.completeness", "Kelengkapan NIK", ALL_STAFF),
    ("registry.duplicates", "Dugaan data ganda", ALL_STAFF),
    ("registry.import_upload", "Impor", ("admin", "clerk")),
    ("registry.export", "Ekspor", ("admin", "supervisor")),
    ("queue.counter", "Loket", ("admin", "clerk")),
    ("letters.register", "Surat", ALL_STAFF),
    ("queue.admin_services", "Layanan & loket", ("admin",)),
    ("queue.admin_devices", "Perangkat", ("admin",)),
    ("queue.admin_running_text", "Teks layar", ("admin",)),
    ("letters.admin_index", "Jenis surat", ("admin",)),
    ("reports.queue_report", "Laporan antrian", ("admin", "supervisor")),
    ("reports.population_report", "Laporan penduduk", ("admin", "supervisor")),
    ("reports.skm_report", "Survei kepuasan", ("admin", "supervisor")),
    ("dashboard.audit", "Log audit", ("admin", "supervisor")),
    ("auth.users", "Pengguna", ("admin",)),
    ("ops.backups", "Cadangan", ("admin",)),
    ("ops.system", "Sistem", ("admin",)),
]


def nav_items():
    """The navigation entries the current user may open."""
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return [
        (url_for(endpoint), label, endpoint)
        for endpoint, label, roles in NAV
        if current_user.role in roles and endpoint in views
    ]


# Home-page tiles and statistics: the most per row at each width band (the stylesheet's .balanced.wN-C).
TILE_BANDS = {"w6": 6, "w4": 4, "w3": 3}


def home_tiles():
    """The home page's tiles: every menu entry but the home page itself, and the user's own account."""
    return [(url, label) for url, label, endpoint in nav_items() if endpoint != "dashboard.index"] + [
        (url_for("auth.account"), "Akun saya")]


def tile_classes(count):
    """CSS classes that lay `count` blocks out in balanced rows (the last row never holds one alone).

    For each width band with at most N per row: as few rows as N allows, then as few columns as fill them.
    """
    classes = []
    for band, most in TILE_BANDS.items():
        rows = max(1, -(-count // most))
        classes.append(f"{band}-{-(-count // rows)}")
    return " ".join(classes)


def format_thousands(number):
    """8.000 for 8000: the Indonesian thousands separator."""
    return f"{number:,}".replace(",", ".")


def format_number_id(number, digits=1):
    """One Indonesian number format everywhere: 1.234,5 (dot for thousands, comma for decimals)."""
    if number is None:
        return "–"
    text = f"{number:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def register_template_helpers(app):
    """Template globals and filters."""
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["home_tiles"] = home_tiles
    app.jinja_env.globals["tile_classes"] = tile_classes
    app.jinja_env.filters["wita"] = format_datetime_wita
    app.jinja_env.filters["tanggal"] = format_date_id
    app.jinja_env.filters["local"] = to_local
    app.jinja_env.filters["ribuan"] = format_thousands
    app.jinja_env.filters["angka"] = format_number_id

    @app.context_processor
    def office():
        return {
            "office_name": app.config["OFFICE_NAME"],
            "kelurahan_name": app.config["KELURAHAN_NAME"],
        }
