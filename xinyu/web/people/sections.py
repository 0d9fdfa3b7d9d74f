"""Extension point of the student page (学生页面 / 一人一档): sections that later apps add.

The student page is a shell. An app above ``org`` (care: the file's timeline and risk level; counseling:
sessions; schoolwork: home visits …) registers a provider in its ``AppConfig.ready()``::

    from xinyu.web.people.sections import StudentSection, register_student_section

    def timeline(request, student):
        if not may_see_timeline(request.user, student):   # the provider asks access.policy itself
            return None
        return StudentSection(title=_("File"), template="care/_timeline.html", context={...}, order=10)

    register_student_section(timeline)

A provider returns ``None`` when the viewer may not see its section (the page only shows the T1 shell; each
section is responsible for its own tier check and for its own audit event when it shows T2+ data). Sections
are shown in ``order``, then registration order. ``org`` never imports the apps that register here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from org.models import Student


@dataclass
class StudentSection:
    title: str
    template: str  # included with the page context plus ``section`` and ``ctx`` (= ``context``)
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


SectionFn = Callable[[HttpRequest, Student], StudentSection | None]
_providers: list[SectionFn] = []


def register_student_section(fn: SectionFn) -> SectionFn:
    """Add a section provider (idempotent: registering the same function twice keeps one). Usable as a
    decorator."""
    if fn not in _providers:
        _providers.append(fn)
    return fn


def unregister_student_section(fn: SectionFn) -> None:
    if fn in _providers:
        _providers.remove(fn)


def sections_for(request: HttpRequest, student: Student) -> list[StudentSection]:
    found = [s for fn in list(_providers) if (s := fn(request, student)) is not None]
    return sorted(found, key=lambda s: s.order)
