"""WSGI entry point: gunicorn app:app, flask --app app ..."""
from kupang import create_app

app = create_app()
