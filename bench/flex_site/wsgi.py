"""WSGI entry point of the benchmarked flex site (gunicorn bench.flex_site.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.flex_site.settings")
application = get_wsgi_application()
