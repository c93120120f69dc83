"""The console as a WSGI app: `flask --app wsgi run` or `gunicorn wsgi:app`."""
from webapp import create_app

app = create_app()
