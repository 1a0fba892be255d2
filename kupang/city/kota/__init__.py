"""/kota: the city server's pages across offices (completeness, sync, population, services, person lists).

Its report tables are kept by projectors the feed's apply calls; its pages read only those tables and
city_office, and answer 404 on an office.
"""
from . import commands, models, persons, projections, views  # noqa: F401  (tables, projectors, routes, CLI)
