"""WSGI entry point: `gunicorn portal.wsgi` (settings: gunicorn.conf.py).

Production settings unless DJANGO_SETTINGS_MODULE says otherwise: a server started
without it must not run with DEBUG on. `manage.py runserver` sets the dev settings
itself (manage.py) before this module is read.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
application = get_wsgi_application()
