"""Kettle (served by ``kettle serve tfb_apps.kettle_app:app``)."""

from .flaskish import build

app = build("kettle")
