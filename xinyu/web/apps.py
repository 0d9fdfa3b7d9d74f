from django.apps import AppConfig


class WebConfig(AppConfig):
    """The site shell: base layout, login, home page, navigation (no domain data of its own)."""

    name = "xinyu.web"
    label = "web"

    def ready(self) -> None:
        from xinyu.web import builtin
        from xinyu.web.home import register_card
        from xinyu.web.navigation import register_nav_item

        for card in builtin.CARDS:
            register_card(card)
        for item in builtin.NAV:
            register_nav_item(item)
