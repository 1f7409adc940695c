"""The WSGI entry point (gunicorn wsgi:app). It builds the app; it starts no scheduler."""
import gc

from portfolio import create_app

app = create_app()
# What the app built (routes, models, templates, SQLAlchemy's caches) lives as long as the process:
# kept out of the garbage collector's full passes, which otherwise walk it all (some 100 ms at a
# time, stalling the request that triggers one). https://docs.python.org/3/library/gc.html#gc.freeze
gc.collect()
gc.freeze()
