"""What funding registers at start-up (from ``SchoolworkConfig.ready()``): its navigation entry, the owners of
its evidence files (schoolwork's attachments) and its seed_demo step."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from org.models import User
from schoolwork.funding import selectors
from schoolwork.funding.models import BudgetLine, DistrictAllocation
from schoolwork.home import attachments
from xinyu.web.navigation import NavItem, register_nav_item


def nav_funding(request: HttpRequest) -> NavItem | None:
    if not selectors.may_read(request.user):
        return None
    url = reverse("schoolwork:funding")
    return NavItem(
        _("Funding"), url, order=62, key="schoolwork:funding", current=request.path.startswith(url)
    )


def _line_writer(user: User, line: BudgetLine) -> bool:
    return any(s.pk == line.school_id for s in selectors.writable_schools(user)) and not selectors.is_locked(
        line.school, line.school_year
    )


def _allocation_writer(user: User, a: DistrictAllocation) -> bool:
    return any(d.pk == a.district_id for d in selectors.own_districts(user)) and not selectors.is_locked(
        a.district, a.school_year
    )


def register() -> None:
    register_nav_item(nav_funding)
    # Evidence (票据, 合同, 拨款文件): read by who reads the line or allocation, added by who writes it.
    attachments.OWNERS["budget_line"] = attachments.Owner(BudgetLine, selectors.get_line_or_404, _line_writer)
    attachments.OWNERS["allocation"] = attachments.Owner(
        DistrictAllocation, selectors.get_allocation_or_404, _allocation_writer
    )
    from org.demo.seed import register_demo_step
    from schoolwork.funding.lived_in import funding

    register_demo_step(funding, order=50)  # issue 21: budget lines, spending and allocations over two years
