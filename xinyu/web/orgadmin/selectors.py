"""Reads of organisation administration (issue 18 build 1): the units, classes, posts and accounts an
administrator keeps — the subtrees of their ``org.manage`` posts (the city administrator: the city; a district
administrator: their district). Outside them is 404, and the attempt is on the audit trail."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from access import audit
from access.policy import action_nodes, may
from org.models import Node, NodeKind, Post, SchoolClass, User


def manages_anything(user: User) -> bool:
    return may(user, "org.manage")


def managed_roots(user: User) -> list[Node]:
    """The top nodes ``user`` keeps: a superuser keeps every city."""
    if user.is_superuser:
        return list(Node.objects.filter(kind=NodeKind.CITY))
    roots = action_nodes(user, "org.manage")
    # A root inside another root adds nothing.
    return [n for n in roots if not any(o.pk != n.pk and n.is_within(o) for o in roots)]


def _under(roots: list[Node], field: str = "path") -> Q:
    q = Q(pk__in=[])
    for node in roots:
        q |= Q(**{f"{field}__startswith": node.path})
    return q


def managed_nodes(user: User) -> QuerySet[Node]:
    roots = managed_roots(user)
    if not roots:
        return Node.objects.none()
    return Node.objects.filter(_under(roots))


def _refused(user: User, request: HttpRequest | None, what: str, pk: int) -> None:
    audit.record(
        actor=user, action="access.denied", request=request, detail={"route": f"orgadmin:{what}", "pk": pk}
    )
    raise Http404


def get_node_or_404(user: User, pk: int, request: HttpRequest | None = None) -> Node:
    """A unit ``user`` keeps; another district's (or a missing one) is 404, audited."""
    node = managed_nodes(user).select_related("parent").filter(pk=pk).first()
    if node is None:
        _refused(user, request, "node", pk)
    return node


def get_post_or_404(user: User, pk: int, request: HttpRequest | None = None) -> Post:
    post = Post.objects.filter(node__in=managed_nodes(user), pk=pk).select_related("node", "user").first()
    if post is None:
        _refused(user, request, "post", pk)
    return post


def get_class_or_404(user: User, pk: int, request: HttpRequest | None = None) -> SchoolClass:
    found = managed_class(user, pk)
    if found is None:
        _refused(user, request, "class", pk)
    return found


def managed_class(user: User, pk: object) -> SchoolClass | None:
    """A class of a school ``user`` keeps (None for anything else)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        SchoolClass.objects.filter(school__in=managed_nodes(user), pk=pk)
        .select_related("school", "school_year", "campus")
        .first()
    )


def managed_account(user: User, username: str) -> User | None:
    """An existing account ``user`` may give a post to: one with no post yet, or one with a post inside their
    subtrees. Other accounts are not found (no one learns which usernames exist elsewhere)."""
    username = (username or "").strip()
    if not username:
        return None
    found = User.objects.filter(username__iexact=username, is_active=True).first()
    if found is None or user.is_superuser:
        return found
    posts = Post.objects.filter(user=found)
    if not posts.exists() or posts.filter(node__in=managed_nodes(user)).exists():
        return found
    return None


def children(node: Node) -> QuerySet[Node]:
    return node.children.order_by("closed_on", "path")


def posts_at(node: Node) -> QuerySet[Post]:
    """Every post held at ``node`` itself, in force first, then ended ones (history is kept)."""
    return (
        Post.objects.filter(node=node)
        .select_related("user", "school_class")
        .order_by("valid_to", "role", "-valid_from")
    )


def classes_of(school: Node) -> QuerySet[SchoolClass]:
    return (
        SchoolClass.objects.filter(school=school)
        .select_related("campus", "school_year", "class_teacher")
        .order_by("-school_year__start_year", "grade", "name")
    )
