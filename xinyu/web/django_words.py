"""Django's own strings that its zh_Hans catalogue does not translate (the admin's table heads read aloud to a
screen-reader user, Django 5.2). Marked here so that ``makemessages`` puts them in our catalogue, which Django
reads before its own (``LOCALE_PATHS``); nothing imports this module (issue 20: no English on a zh-hans page)."""

from django.utils.translation import gettext_noop

DJANGO_ADMIN = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
]
