from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolworkConfig(AppConfig):
    """学校工作 — psychological lessons, key times, staff training, five educations, home visits, parent
    sessions, guardians' pages, governance (R1.4, R2.2, R3, R6–R11, R14, R17)."""

    name = "schoolwork"
    verbose_name = _("School programs")

    def ready(self) -> None:
        self._ready_programs()
        self._ready_home()
        from schoolwork import export_sections

        export_sections.register()  # a guardian's copy of their child's records (PIPL Art. 45)

    def _ready_programs(self) -> None:
        """Lessons, key times, training, five educations: home cards, navigation, lessons taught as workload."""
        from care.workload.registry import register_workload_source
        from schoolwork import program_cards, programs_selectors
        from xinyu.web.home import register_card
        from xinyu.web.navigation import register_nav_item

        for card in program_cards.CARDS:
            register_card(card)
        for item in program_cards.NAV:
            register_nav_item(item)
        register_workload_source(
            programs_selectors.lessons_taught,
            labels={"lessons": _("Psychological lessons taught"), "lesson_hours": _("Class hours taught")},
        )

    def _ready_home(self) -> None:
        """Home–school work and governance: the guardian card, navigation, the student page's home visits and
        their entries on the student file's timeline."""
        from care.file.timeline import register_timeline_provider
        from schoolwork.home import providers as home
        from xinyu.web.home import register_card
        from xinyu.web.navigation import register_nav_item
        from xinyu.web.people.sections import register_student_section

        register_card(home.guardian_card)
        for item in home.NAV:
            register_nav_item(item)
        register_student_section(home.visits_section)
        register_timeline_provider(home.visits_timeline, kinds=home.KINDS_VISIT)
