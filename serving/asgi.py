"""ASGI entry point for servers started by import string (uvicorn workers, gunicorn)."""

from serving.app import create_app

app = create_app(freeze_gc=True)
