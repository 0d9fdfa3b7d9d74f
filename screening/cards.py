"""Home cards (首页): a student's screening to do, a guardian's consent requests, a psych teacher's queue."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from access.policy import roles_of
from org.models import Role
from xinyu.web.home import Card, Figure, Link


def student_card(request: HttpRequest) -> Card | None:
    if Role.STUDENT not in roles_of(request.user):
        return None
    from screening.selectors import open_student_assignments

    todo = open_student_assignments(request.user)
    if not todo:
        return None
    return Card(
        title=_("You have a screening to do"),
        links=[Link(a.campaign.name, reverse("screening:answer", kwargs={"pk": a.pk})) for a in todo],
        order=5,
        key="screening-todo",
    )


def guardian_card(request: HttpRequest) -> Card | None:
    if Role.GUARDIAN not in roles_of(request.user):
        return None
    from screening.selectors import guardian_consent_items

    waiting = [a for a, state in guardian_consent_items(request.user) if state == "pending"]
    if not waiting:
        return None
    return Card(
        title=_("Consent requested"),
        items=[f"{a.campaign.name} · {a.student.name}" for a in waiting],
        links=[Link(_("Answer the consent request"), reverse("screening:guardian_consent"))],
        order=5,
        key="screening-consent",
    )


def review_card(request: HttpRequest) -> Card | None:
    if Role.PSYCH_TEACHER not in roles_of(request.user):
        return None
    from screening.selectors import review_queue

    n = len(review_queue(request.user))
    if not n:
        return None
    return Card(
        title=_("Second-stage talks to hold"),
        figures=[Figure(_("To review"), n)],
        links=[Link(_("Second-stage queue"), reverse("screening:review_queue"))],
        order=15,
        key="screening-review",
    )
