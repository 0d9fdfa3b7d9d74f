"""Reads for printing initial passwords: who may print for which class, and what the print would do."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from access.policy import ACTIONS, may, posts_of, visible_classes
from org.models import Enrollment, EnrollmentStatus, Role, SchoolClass, User

ACTION = "roster.print_passwords"


def may_print_passwords(user: User, school_class: SchoolClass) -> bool:
    """A district admin or school leader for any class in their subtree; a class teacher for their own class
    only, even if another post (a subject-teacher post) lets them see the school's other classes."""
    if not may(user, ACTION, school_class.school):
        return False
    if user.is_superuser:
        return True
    for post in posts_of(user):
        if post.role not in ACTIONS[ACTION]:
            continue
        if post.role == Role.CLASS_TEACHER:
            if post.school_class_id == school_class.pk:
                return True
        elif school_class.school.is_within(post.node):
            return True
    return False


def get_printable_class_or_404(user: User, pk: int) -> SchoolClass:
    """A class outside the user's roster scope is 404; a class they see but may not print for is 403."""
    cls = get_object_or_404(visible_classes(user).select_related("school", "campus", "school_year"), pk=pk)
    if not may_print_passwords(user, cls):
        raise PermissionDenied
    return cls


@dataclass(frozen=True)
class PrintPreview:
    students: int
    to_issue: int  # no account yet, or never logged in: a new password
    kept: int  # logged in before: password left alone


def print_preview(school_class: SchoolClass) -> PrintPreview:
    counts = Enrollment.objects.filter(school_class=school_class, status=EnrollmentStatus.ACTIVE).aggregate(
        total=Count("pk"), kept=Count("pk", filter=Q(student__user__last_login__isnull=False))
    )
    return PrintPreview(counts["total"], counts["total"] - counts["kept"], counts["kept"])
