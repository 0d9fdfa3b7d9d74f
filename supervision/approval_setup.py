"""What data approval and inspections add to the lower layers at start-up (called from the app's ``ready()``):
navigation entries, and the owners of inspection evidence for schoolwork's attachments (files checked by content
and size there, served only to who may read the inspection)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from xinyu.web.navigation import NavItem, register_nav_item


def _nav(request: HttpRequest, name: str, label: str, order: int) -> NavItem | None:
    from supervision import approval

    if not approval.has_role(request.user, approval.VIEW_ROLES):
        return None
    url = reverse(name)
    return NavItem(label, url, order=order, key=name, current=request.path.startswith(url))


def nav_approval(request: HttpRequest) -> NavItem | None:
    return _nav(request, "supervision:approval", _("Data approval"), 91)


def nav_inspections(request: HttpRequest) -> NavItem | None:
    return _nav(request, "supervision:inspections", _("Inspections"), 92)


def _item_for_read(user, pk: int):
    from supervision.inspections_selectors import get_item_or_404

    return get_item_or_404(user, pk)


def _task_for_read(user, pk: int):
    from supervision.inspections_selectors import get_task_or_404

    return get_task_or_404(user, pk)


def _may_add_evidence(user, item) -> bool:
    from supervision.inspections import may_inspect

    return not item.inspection.is_closed and may_inspect(user, item.inspection.school)


def _may_add_task_file(user, task) -> bool:
    from supervision.inspections import may_follow_up

    return not task.inspection.is_closed and may_follow_up(user, task)


def connect() -> None:
    from schoolwork.home import attachments
    from supervision.models import InspectionItem, RectificationTask

    register_nav_item(nav_approval)
    register_nav_item(nav_inspections)
    # R18 evidence (督导佐证材料): per checklist item by the supervisor; per task by its owner or the supervisor.
    attachments.OWNERS["inspection_item"] = attachments.Owner(
        InspectionItem, _item_for_read, _may_add_evidence
    )
    attachments.OWNERS["rectification"] = attachments.Owner(
        RectificationTask, _task_for_read, _may_add_task_file
    )
