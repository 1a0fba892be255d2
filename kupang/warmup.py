"""Work done once in gunicorn's master before it forks, so no worker's first kiosk tap or counter click pays it.

With `preload_app`, whatever the master has prepared is shared by every worker (copy-on-write), also by the
workers gunicorn forks again after `max_requests`: the templates of the pages that must answer at once
(kiosk, TV, ticket, counter, login, errors) compiled by Jinja, SQLAlchemy's mappers configured, and the URL
map's matcher built by one login page request. Measured with bench/bench_budget.py under half a core: the
first taps of a cold worker took 1.7-1.9 s, the following ones 10-65 ms. Other pages (reports, admin) are
compiled at their first use: compiling all 101 templates would delay every start by about 0.6 s of CPU.
"""

HOT_TEMPLATES = ("base.html", "_flashes.html", "_macros.html", "errors/", "queue/", "auth/login", "dashboard/")
COLD_TEMPLATES = ("queue/admin_",)  # admin pages of the queue: no hurry


def hot_templates(app):
    """The templates of the pages that must answer at once, by name."""
    return [name for name in app.jinja_env.list_templates()
            if name.startswith(HOT_TEMPLATES) and not name.startswith(COLD_TEMPLATES)]


def compile_templates(app, names=None):
    """Compile the templates once (Jinja keeps them in its cache); returns how many."""
    names = hot_templates(app) if names is None else names
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def configure_models():
    """Set up every model's mapper (SQLAlchemy does it at the first query otherwise, in each worker)."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


def first_request(app):
    """One login page through the whole stack (URL map, session, CSRF, base page): nothing is written."""
    with app.test_client() as client:
        return client.get("/masuk").status_code


def warm(app):
    """Everything the master prepares for its workers; returns how many templates were compiled."""
    configure_models()
    compiled = compile_templates(app)
    first_request(app)
    return compiled
