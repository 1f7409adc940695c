"""The WSGI entry point (gunicorn wsgi:app). It builds the app; it starts no scheduler."""
from portfolio import create_app

app = create_app()
