"""Where each demo login sits, and a plain-text table that lines up Chinese (double-width) text."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password

from org.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin
from org.models import EnrollmentStatus, NodeKind, Post, User


@dataclass(frozen=True)
class LoginRow:
    login: DemoLogin
    user: User | None
    where: str
    works: bool


def _node_label(node) -> str:
    if node.kind in (NodeKind.CITY, NodeKind.DISTRICT):
        return node.name
    parts = [node.district.name] if node.district_id else []
    if node.kind == NodeKind.CAMPUS:
        parts += [node.parent.name, node.name]
    else:
        parts.append(node.name)
    return " · ".join(parts)


def _where(user: User) -> str:
    if user.is_superuser:
        return "Django admin /admin/"
    if hasattr(user, "student"):
        e = user.student.enrollments.filter(status=EnrollmentStatus.ACTIVE).select_related(
            "school__district", "school_class"
        )
        e = e.first()
        if e:
            return f"{_node_label(e.school)} · {e.school_class.name if e.school_class else ''}".rstrip(" ·")
    if hasattr(user, "guardian"):
        child = user.guardian.links.select_related("student").first()
        if child:
            return f"{child.student.name}的家长 · " + (
                _where(child.student.user) if child.student.user else ""
            )
    post = (
        Post.objects.filter(user=user)
        .select_related("node__district", "node__parent", "school_class__campus")
        .first()
    )
    if post is None:
        return "—"
    where = _node_label(post.node)
    if post.school_class:
        where += f" · {post.school_class.name} ({post.school_class.campus.name})"
    return where


def demo_login_rows(*, reset: bool = False) -> list[LoginRow]:
    """Each demo login with where it sits and whether the demo password opens it (checked, not assumed).

    All demo accounts share one Argon2 hash, so the password is verified once per distinct hash."""
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])}
    verified: dict[str, bool] = {}
    new_hash = None
    rows = []
    for d in DEMO_LOGINS:
        u = users.get(d.username)
        if u is None:
            rows.append(LoginRow(d, None, "—", False))
            continue
        if u.password not in verified:
            verified[u.password] = check_password(DEMO_PASSWORD, u.password)
        works = verified[u.password] and u.is_active
        if not works and reset:
            new_hash = new_hash or make_password(DEMO_PASSWORD)
            User.objects.filter(pk=u.pk).update(password=new_hash, is_active=True)
            works = True
        rows.append(LoginRow(d, u, _where(u), works))
    return rows


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
