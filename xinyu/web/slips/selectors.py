"""Reads for printing initial passwords: who may print for which class, and what the print would do."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from access.policy import ACTIONS, action_nodes, may, posts_of, visible_classes
from org.models import Enrollment, EnrollmentStatus, Post, Role, SchoolClass, User

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


# --- Staff activation (issue 18 build 2) --------------------------------------------------------------------------

STAFF_ACTION = (
    "roster.import"  # who imports staff issues their activation (R14: the district, the school's leaders)
)
NOT_STAFF = (Role.STUDENT, Role.GUARDIAN)


def may_issue_activation(user: User) -> bool:
    return bool(user.is_superuser or action_nodes(user, STAFF_ACTION))


def staff_for_activation(user: User):
    """The staff accounts ``user`` may issue activation codes for: holders of a post in force (not a student's
    or a guardian's) at a node within one of the user's staff-import posts (a superuser: everyone's)."""
    posts = Post.objects.active().exclude(role__in=NOT_STAFF)
    if not user.is_superuser:
        roots = action_nodes(user, STAFF_ACTION)
        if not roots:
            return User.objects.none()
        q = Q()
        for node in roots:
            q |= Q(node__path__startswith=node.path)
        posts = posts.filter(q)
    return User.objects.filter(pk__in=posts.values("user_id")).order_by("display_name", "username")
