"""Links out (R4.1): the city's online counseling platform and the hotlines, on every student page.

Per district: a ``DistrictLinks`` row (a district's own platform and numbers), else the city-wide settings
``XINYU_HOTLINES`` and ``XINYU_CITY_COUNSELING_URL`` (12356 national mental-health assistance hotline from 1 May
2025, 12355 youth hotline — GLOSSARY.md; the platform named in the action plan)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from counseling.rooms.models import DistrictLinks
from org.models import Node

# 北京市中小学数字德育网师生在线心理咨询服务平台 (the plan's name for the city's platform).
CITY_PLATFORM_NAME = gettext_lazy(
    "Beijing Digital Moral Education Network online counseling for teachers and students"
)


@dataclass
class Links:
    platform_name: str
    platform_url: str = ""
    hotlines: list[dict] = field(default_factory=list)


def default_links() -> Links:
    """The city-wide defaults: ``settings.XINYU_HOTLINES`` (12356, 12355) and ``XINYU_CITY_COUNSELING_URL`` —
    the same settings the district centre's pages use."""
    return Links(
        str(CITY_PLATFORM_NAME),
        getattr(settings, "XINYU_CITY_COUNSELING_URL", ""),
        [{"number": n, "name": gettext(label)} for n, label in getattr(settings, "XINYU_HOTLINES", [])],
    )


def links_for(district: Node | None) -> Links:
    """The links of ``district`` (a district node, or any node below one), else the defaults."""
    district_id = None
    if district is not None:
        district_id = district.pk if district.kind == "district" else district.district_id
    row = DistrictLinks.objects.filter(district_id=district_id).first() if district_id else None
    if row is None:
        return default_links()
    return Links(row.platform_name, row.platform_url, list(row.hotlines))


def district_lines(node: Node) -> list[dict]:
    """The help lines of the district of ``node`` (its own, else the city's): for ``care.alerts.responders``."""
    return list(links_for(node).hotlines)
