"""The registry area."""
from flask import Blueprint

bp = Blueprint("registry", __name__)
