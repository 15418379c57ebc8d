"""WSGI entry point: `simplejwt_peer.wsgi:application` for waitress or the suite's --app."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simplejwt_peer.settings")

application = get_wsgi_application()
