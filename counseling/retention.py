"""Retention of counseling records (access.retention; docs/privacy.md). Session records stay for workload counts
(R1.3) with their notes cleared; 24-hour messages and chat transcripts are deleted; hotline logs lose their
summary and the student they name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from access import retention


def register() -> None:
    from counseling.centre.models import HotlineCall, Message, OnlineLine
    from counseling.rooms.models import CounselingSession

    r = retention
    r.register(
        r.Category(
            name="counseling_session_notes",
            label=_("Counseling session notes"),
            basis=r.LEAVING,
            action=r.ANONYMISE,
            rows=lambda day: CounselingSession.objects.filter(r.left_before_q(day)),
            clear={"notes": ""},
            done=lambda row: not row.notes,
        )
    )
    r.register(
        r.Category(
            name="centre_messages",
            label=_("24-hour messages and their replies"),
            basis=r.CREATION,
            action=r.DELETE,
            rows=lambda at: Message.objects.filter(created_at__lt=at),
        )
    )
    r.register(
        r.Category(
            name="online_chat_transcripts",
            label=_("Online counseling transcripts"),
            basis=r.CREATION,
            action=r.DELETE,
            rows=lambda at: OnlineLine.objects.filter(at__lt=at),
        )
    )
    r.register(
        r.Category(
            name="hotline_logs",
            label=_("Hotline call summaries"),
            basis=r.CREATION,
            action=r.ANONYMISE,
            rows=lambda at: HotlineCall.objects.filter(created_at__lt=at),
            clear={"summary": "", "student": None, "handed_over_to": None},
            done=lambda row: not row.summary and row.student_id is None and row.handed_over_to_id is None,
        )
    )
