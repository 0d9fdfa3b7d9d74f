from django.apps import AppConfig


class WebConfig(AppConfig):
    """The site shell: base layout, login, home page, navigation (no domain data of its own)."""

    name = "xinyu.web"
    label = "web"
