import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foi_tracker.settings")
# A web process: its PostgreSQL sessions also get a statement timeout (settings.DATABASES).
os.environ.setdefault("FOI_PROCESS", "web")
application = get_wsgi_application()
