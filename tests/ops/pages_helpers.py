"""Shared test data for the operations pages."""
from tests.ops.test_pages import add_run


def add_run_for(app, status, hours_ago, error=None):
    """A finished backup run (see test_pages.add_run)."""
    add_run(app, status, hours_ago, error)
