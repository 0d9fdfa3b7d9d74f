from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CounselingConfig(AppConfig):
    """心理辅导 — school counseling rooms, duty rosters, appointments, confidential session records, workload;
    the district counseling centre: hotline log, online counseling, the 24-hour message platform (R1.3, R4)."""

    name = "counseling"
    verbose_name = _("Counseling")

    def ready(self) -> None:
        # District counseling centre and 24-hour messages (R4.2).
        from counseling.centre import cards as centre_cards
        from xinyu.web.home import register_card
        from xinyu.web.navigation import register_nav_item

        register_card(centre_cards.queue_card)
        for item in (
            centre_cards.nav_leave,
            centre_cards.nav_online,
            centre_cards.nav_queue,
            centre_cards.nav_chats,
            centre_cards.nav_visit,
            centre_cards.nav_visits,
            centre_cards.nav_duty,
        ):
            register_nav_item(item)
        from care.alerts.timers import register_timer
        from counseling.centre.services import escalate_crisis_messages

        register_timer("counseling.crisis_messages", escalate_crisis_messages)  # every minute (R4.2)
        self._ready_rooms()
        from counseling import responders

        responders.register()  # who is on duty now, for care's alert routes and screening's window (issue 15)
        from counseling import demo

        demo.register()  # seed_demo: the district duty rosters, the district line, room rosters (issue 15)
        from counseling import retention

        retention.register()  # notes, messages, transcripts, hotline logs (docs/privacy.md)
        from counseling import export_sections

        export_sections.register()  # a guardian's copy of their child's records (PIPL Art. 45)

    def _ready_rooms(self) -> None:
        """The school counseling room (issue 5 part 1): home cards, navigation, the student file, workload."""
        from care.file.timeline import register_timeline_provider
        from counseling.rooms import providers, tasks, workload  # noqa: F401 (tasks: the Celery task)
        from xinyu.web.home import register_card
        from xinyu.web.navigation import register_nav_item

        register_card(providers.help_card)
        register_card(providers.desk_card)
        register_nav_item(providers.nav_counseling)
        register_timeline_provider(providers.file_sessions, kinds=providers.KINDS)
        workload.register()
