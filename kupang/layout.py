"""What every page template needs: navigation by role, filters, office identity."""
from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_login import current_user

from .timeutil import format_date_id, format_datetime_wita, to_local

ALL_STAFF = ("admin", "supervisor", "clerk")

# (endpoint, label, roles, group). An entry appears only once its area provides the endpoint. The header
# shows a group as one heading that opens its entries (a row of seventeen links wraps on a 1366 px screen).
REGISTRY_GROUP, REPORTS_GROUP, SETTINGS_GROUP = "Data penduduk", "Laporan", "Pengaturan"
NAV = [
    ("dashboard.index", "Beranda", ALL_STAFF, None),
    ("registry.search", "Penduduk", ALL_STAFF, None),
    ("registry.completeness", "Kelengkapan NIK", ALL_STAFF, REGISTRY_GROUP),
    ("registry.duplicates", "Dugaan data ganda", ALL_STAFF, REGISTRY_GROUP),
    ("registry.import_upload", "Impor", ("admin", "clerk"), REGISTRY_GROUP),
    ("registry.export", "Ekspor", ("admin", "supervisor"), REGISTRY_GROUP),
    ("queue.counter", "Loket", ("admin", "clerk"), None),
    ("letters.register", "Surat", ALL_STAFF, None),
    ("reports.queue_report", "Laporan antrian", ("admin", "supervisor"), REPORTS_GROUP),
    ("reports.population_report", "Laporan penduduk", ("admin", "supervisor"), REPORTS_GROUP),
    ("reports.skm_report", "Survei kepuasan", ("admin", "supervisor"), REPORTS_GROUP),
    ("dashboard.audit", "Log audit", ("admin", "supervisor"), REPORTS_GROUP),
    ("queue.admin_services", "Layanan & loket", ("admin",), SETTINGS_GROUP),
    ("queue.admin_devices", "Perangkat", ("admin",), SETTINGS_GROUP),
    ("queue.admin_running_text", "Teks layar", ("admin",), SETTINGS_GROUP),
    ("letters.admin_index", "Jenis surat", ("admin",), SETTINGS_GROUP),
    ("auth.users", "Pengguna", ("admin",), SETTINGS_GROUP),
    ("ops.backups", "Cadangan", ("admin",), SETTINGS_GROUP),
    ("ops.system", "Sistem", ("admin",), SETTINGS_GROUP),
]
# The city server's menu (config ROLE "city"): the pages across offices instead of one office's work.
CITY_REPORTS_GROUP, CITY_PERSONS_GROUP = "Laporan kota", "Penduduk antar kelurahan"
CITY_ROLES = ("admin", "supervisor")
CITY_NAV = [
    ("city.kota_index", "Kelengkapan NIK", CITY_ROLES, None),
    ("city.kota_population", "Penduduk bulanan", CITY_ROLES, CITY_REPORTS_GROUP),
    ("city.kota_queue", "Antrian", CITY_ROLES, CITY_REPORTS_GROUP),
    ("city.kota_skm", "Survei kepuasan", CITY_ROLES, CITY_REPORTS_GROUP),
    ("city.kota_letters", "Surat", CITY_ROLES, CITY_REPORTS_GROUP),
    ("city.kota_shared", "Terdaftar di dua kelurahan", CITY_ROLES, CITY_PERSONS_GROUP),
    ("city.kota_moves", "Perpindahan antar kelurahan", CITY_ROLES, CITY_PERSONS_GROUP),
    ("dashboard.audit", "Log audit", CITY_ROLES, None),
    ("auth.users", "Pengguna", ("admin",), SETTINGS_GROUP),
    ("ops.system", "Sistem", ("admin",), SETTINGS_GROUP),
]


def nav_entries():
    """NAV on an office, CITY_NAV on the city server."""
    return CITY_NAV if current_app.config.get("ROLE", "office") == "city" else NAV


def nav_items():
    """The navigation entries the current user may open."""
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return [
        (url_for(endpoint), label, endpoint)
        for endpoint, label, roles, _group in nav_entries()
        if current_user.role in roles and endpoint in views
    ]


@dataclass(frozen=True)
class MenuEntry:
    """One place in the header menu: a link (url set) or a group heading over its links (items set)."""

    label: str
    url: str | None = None
    endpoint: str | None = None
    items: tuple = ()

    @property
    def current(self):
        """True when the page shown is this link or one of the group's links."""
        if self.items:
            return any(endpoint == request.endpoint for _url, _label, endpoint in self.items)
        return request.endpoint == self.endpoint


def nav_menu():
    """The header menu: the entries of nav_items() in order, each group under one heading at its first entry.

    A group the user sees only one entry of is no group: that entry stays a plain link.
    """
    groups = {endpoint: group for endpoint, _label, _roles, group in nav_entries()}
    items = nav_items()
    members = {}
    for item in items:
        members.setdefault(groups[item[2]], []).append(item)
    menu, placed = [], set()
    for url, label, endpoint in items:
        group = groups[endpoint]
        if group is None or len(members[group]) == 1:
            menu.append(MenuEntry(label, url, endpoint))
        elif group not in placed:
            placed.add(group)
            menu.append(MenuEntry(group, items=tuple(members[group])))
    return menu


# Home-page tiles and statistics: the most per row at each width band (the stylesheet's .balanced.wN-C);
# the supervisor home's panels hold tables, so at most three (reports.css .balanced.pN-C).
TILE_BANDS = {"w6": 6, "w4": 4, "w3": 3}
PANEL_BANDS = {"p3": 3, "p2": 2}


def home_tiles():
    """The home page's tiles: every menu entry but the home page itself, and the user's own account."""
    return [(url, label) for url, label, endpoint in nav_items() if endpoint != "dashboard.index"] + [
        (url_for("auth.account"), "Akun saya")]


def balanced_columns(count, most):
    """How many columns lay `count` blocks out, at most `most` per row: the fewest rows whose last row is full
    or one short (17 at four: 3 columns, 3,3,3,3,3,2, not 4,4,4,4,1); failing that the fewest rows whose last
    row holds two or more (13 at six: 5,5,3); where no grid can (13 at four) `most`."""
    if count <= most:
        return max(count, 1)
    shapes = [(-(-count // columns), columns) for columns in range(2, most + 1)]
    last = {columns: count - (rows - 1) * columns for rows, columns in shapes}
    for enough in (lambda columns: max(2, columns - 1), lambda columns: 2):
        fits = [(rows, columns) for rows, columns in shapes if last[columns] >= enough(columns)]
        if fits:
            return min(fits)[1]
    return most


def tile_classes(count, bands=None):
    """CSS classes that lay `count` blocks out in balanced rows (the last row never holds one alone).

    For each width band with at most N per row: balanced_columns(count, N).
    """
    return " ".join(f"{band}-{balanced_columns(count, most)}" for band, most in (bands or TILE_BANDS).items())


def panel_classes(count):
    """tile_classes for the supervisor home's panels (at most three side by side)."""
    return tile_classes(count, PANEL_BANDS)


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
    app.jinja_env.globals["nav_menu"] = nav_menu
    app.jinja_env.globals["home_tiles"] = home_tiles
    app.jinja_env.globals["tile_classes"] = tile_classes
    app.jinja_env.globals["panel_classes"] = panel_classes
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
