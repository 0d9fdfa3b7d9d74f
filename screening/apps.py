from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    """心理健康测评 — instruments, campaigns, consent, answering, scoring, second stage (R5.1, R5.3)."""

    name = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from care.file.timeline import register_timeline_provider
        from screening import cards, timeline
        from xinyu.web.home import register_card
        from xinyu.web.navigation import register_nav_item

        register_card(cards.student_card)
        register_card(cards.guardian_card)
        register_card(cards.review_card)
        register_card(cards.class_roll_card)
        register_card(cards.licences_card)  # issue 15 (i15-battery)
        from org.demo.seed import register_demo_step
        from screening import demo

        register_demo_step(demo.seed)  # seed_demo: a licence and a draft campaign (issue 15)
        for item in cards.NAV:
            register_nav_item(item)
        register_timeline_provider(timeline.screening_results, kinds=timeline.KINDS, charted=True)
        from screening import retention

        retention.register()  # identified answers: deleted N years after the student leaves (docs/privacy.md)
        from screening import export_sections

        export_sections.register()  # a guardian's copy of their child's records (PIPL Art. 45)
        register_demo_step(demo.seed_level_rules)  # the demo district's level rules have a history (issue 15)
        from care.alerts.selectors import register_alert_source

        # An alert raised by a screening result links to the review of its sheet (issue 15, build 3).
        register_alert_source("screening.result", cards.alert_review_link)
