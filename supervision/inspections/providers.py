"""What inspections register with the lower layers at start-up (from the app's ``ready()``): the navigation
entry, the rectification-task card of the home page, and the owners of inspection evidence for schoolwork's
attachments (files checked by content and size there, served only to who may read the inspection)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from supervision.approval.providers import viewers_nav
from xinyu.web.navigation import NavItem, register_nav_item


def nav_inspections(request: HttpRequest) -> NavItem | None:
    return viewers_nav(request, "supervision:inspections", _("Inspections"), 92)


def rectification_card(request: HttpRequest):
    """整改任务 on the home page: an owner's open and overdue tasks; a supervisor's tasks done and waiting for
    verification. One query, and none for the roles that never own or verify a task."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from supervision.approval import rules as approval
    from supervision.inspections.models import RectificationTask, TaskStatus
    from supervision.inspections.services import INSPECT_ROLES, OWNER_ROLES
    from xinyu.web.home import Card, Figure, Link

    user = request.user
    owner, inspector = approval.has_role(user, OWNER_ROLES), approval.has_role(user, INSPECT_ROLES)
    if not (owner or inspector):
        return None
    today = timezone.localdate()
    counts = RectificationTask.objects.filter(Q(owner=user) | Q(inspection__supervisor=user)).aggregate(
        open=Count("pk", filter=Q(owner=user, status=TaskStatus.OPEN)),
        overdue=Count("pk", filter=Q(owner=user, status=TaskStatus.OPEN, deadline__lt=today)),
        to_verify=Count("pk", filter=Q(inspection__supervisor=user, status=TaskStatus.DONE)),
    )
    if not any(counts.values()):
        return None
    figures = []
    if counts["open"] or counts["overdue"]:
        figures += [Figure(_("Open tasks"), counts["open"]), Figure(_("Overdue"), counts["overdue"])]
    if inspector:
        figures.append(Figure(_("Done, to verify"), counts["to_verify"]))
    return Card(
        title=_("Rectification tasks"), figures=figures,
        links=[Link(_("Rectification tasks"), reverse("supervision:rectification_tasks"))],
        order=61, key="supervision-rectification",
    )  # fmt: skip


def _item_for_read(user, pk: int):
    from supervision.inspections.selectors import get_item_or_404

    return get_item_or_404(user, pk)


def _task_for_read(user, pk: int):
    from supervision.inspections.selectors import get_task_or_404

    return get_task_or_404(user, pk)


def _may_add_evidence(user, item) -> bool:
    from supervision.inspections.services import may_inspect

    return not item.inspection.is_closed and may_inspect(user, item.inspection.school)


def _may_add_task_file(user, task) -> bool:
    from supervision.inspections.services import may_follow_up

    return not task.inspection.is_closed and may_follow_up(user, task)


def register() -> None:
    from schoolwork.home import attachments
    from supervision.inspections.models import InspectionItem, RectificationTask
    from xinyu.web.home import register_card

    register_nav_item(nav_inspections)
    register_card(rectification_card)
    # R18 evidence (督导佐证材料): per checklist item by the supervisor; per task by its owner or the supervisor.
    attachments.OWNERS["inspection_item"] = attachments.Owner(
        InspectionItem, _item_for_read, _may_add_evidence
    )
    attachments.OWNERS["rectification"] = attachments.Owner(
        RectificationTask, _task_for_read, _may_add_task_file
    )
    from org.demo.seed import register_demo_step
    from supervision.inspections.lived_in import supervision

    register_demo_step(supervision, order=90)  # issue 18: rollups, the semester's approvals, an inspection
