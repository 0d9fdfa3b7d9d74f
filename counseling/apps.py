from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CounselingConfig(AppConfig):
    """心理辅导 — school counseling rooms, duty rosters, appointments, confidential session records, workload;
    the district counseling centre: hotline log, online counseling, the 24-hour message platform (R1.3, R4)."""

    name = "counseling"
    verbose_name = _("Counseling")

    def ready(self) -> None:
        from counseling.centre import providers as centre
        from counseling.rooms import providers as rooms

        centre.register()  # district centre, 24-hour messages (R4.2): cards, navigation, timer, who is on duty
        rooms.register()  # school counseling room (R4.3, R1.3, R4.1): cards, navigation, timeline, workload
