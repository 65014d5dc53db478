"""Flask 3.1 (served by gunicorn gthread or granian's WSGI interface)."""

from .flaskish import build

app = build("flask")
