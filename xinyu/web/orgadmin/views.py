"""Organisation administration pages (机构管理, issue 18 build 1; R1, R1.2, R14): the city administrator and a
district administrator set up districts, education groups, schools, campuses, classes and posts without a
shell. Anyone without ``org.manage`` gets 403; a unit outside one's district is 404 (audited). Bad input shows
the page again with a sentence (400) and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.auth import recent_auth
from access.routes import policy
from org.models import NodeKind
from xinyu.web.orgadmin import selectors, services
from xinyu.web.orgadmin.forms import (
    ChildForm,
    ClassForm,
    CloseForm,
    EditClassForm,
    EditForm,
    EndPostForm,
    PostForm,
)

NOTE = "system administrators (org.manage): units, classes and posts of their subtree; no student data"


def _require_manager(request: HttpRequest) -> None:
    if not selectors.manages_anything(request.user):
        raise PermissionDenied


@policy(None, "org", NOTE)
@login_required
@require_GET
@recent_auth()
def index(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    roots = selectors.managed_roots(request.user)
    if len(roots) == 1:
        return redirect("orgadmin:node", pk=roots[0].pk)
    return render(request, "orgadmin/index.html", {"roots": roots})


@policy(None, "org", NOTE)
@login_required
@require_POST
@recent_auth()
def add_city(request: HttpRequest) -> HttpResponse:
    """A new installation: the superuser creates the city (then appoints its administrator on its page)."""
    if not request.user.is_superuser:
        raise PermissionDenied
    try:
        city = services.create_city(
            by=request.user, name=request.POST.get("name", ""), code=request.POST.get("code", "")
        )
    except services.OrgAdminError as exc:
        context = {"roots": selectors.managed_roots(request.user), "error": exc.message}
        return render(request, "orgadmin/index.html", context, status=400)
    messages.success(request, _("%(name)s created.") % {"name": city.name})
    return redirect("orgadmin:node", pk=city.pk)


def _node_page(request: HttpRequest, node, status: int = 200, error: str = "", **forms) -> HttpResponse:
    user = request.user
    classes = list(selectors.classes_of(node)) if node.kind == NodeKind.SCHOOL else []
    context = {
        "node": node,
        "ancestors": [a for a in selectors.managed_nodes(user).filter(pk__in=_ancestor_ids(node))],
        "children": selectors.children(node),
        "posts": selectors.posts_at(node),
        "classes": classes,
        "error": error,
        "child_form": forms.get("child_form") or ChildForm(parent=node),
        "edit_form": forms.get("edit_form") or EditForm(node=node),
        "post_form": forms.get("post_form") or PostForm(node=node, classes=classes),
        "class_form": forms.get("class_form")
        or (ClassForm(school=node) if node.kind == NodeKind.SCHOOL else None),
        "can_have_children": node.kind != NodeKind.CAMPUS,
    }
    return render(request, "orgadmin/node.html", context, status=status)


def _ancestor_ids(node) -> list[int]:
    ids, n = [], node
    while n.parent_id:
        ids.append(n.parent_id)
        n = n.parent
    return ids


@policy(None, "org", NOTE)
@login_required
@require_GET
@recent_auth()
def node(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    return _node_page(request, selectors.get_node_or_404(request.user, pk, request))


def _account(data: dict):
    if not (data.get("username") or data.get("password") or data.get("display_name")):
        return None
    return services.NewAccount(
        username=data.get("username", ""),
        display_name=data.get("display_name", ""),
        password=data.get("password", ""),
        phone=data.get("phone", ""),
    )


def _form_error(form) -> str:
    return " ".join(
        f"{form.fields[f].label if f in form.fields else ''}：{e}"
        for f, es in form.errors.items()
        for e in es
    )


@policy(None, "org", NOTE)
@login_required
@require_POST
@recent_auth()
def add_child(request: HttpRequest, pk: int) -> HttpResponse:
    """新建: a district (the city's administrator, with its administrator account), a group, school or campus."""
    _require_manager(request)
    parent = selectors.get_node_or_404(request.user, pk, request)
    form = ChildForm(request.POST, parent=parent)
    if not form.is_valid():
        return _node_page(request, parent, 400, _form_error(form), child_form=form)
    data = form.cleaned_data
    try:
        child = services.create_node(
            by=request.user, parent=parent, kind=data["kind"], name=data["name"], code=data["code"],
            stage=data["stage"], is_multi_site=data["is_multi_site"], admin=_account(data),
        )  # fmt: skip
    except services.OrgAdminError as exc:
        return _node_page(request, parent, 400, exc.message, child_form=form)
    messages.success(request, _("%(name)s created.") % {"name": child.name})
    return redirect("orgadmin:node", pk=child.pk)


@policy(None, "org", NOTE)
@login_required
@require_POST
@recent_auth()
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    node = selectors.get_node_or_404(request.user, pk, request)
    form = EditForm(request.POST, node=node)
    if not form.is_valid():
        return _node_page(request, node, 400, _form_error(form), edit_form=form)
    data = form.cleaned_data
    try:
        services.edit_node(
            by=request.user, node=node, name=data["name"], code=data["code"], stage=data.get("stage", ""),
            is_multi_site=data.get("is_multi_site", False),
        )  # fmt: skip
    except services.OrgAdminError as exc:
        node.refresh_from_db()
        return _node_page(request, node, 400, exc.message, edit_form=form)
    messages.success(request, _("Saved."))
    return redirect("orgadmin:node", pk=node.pk)


@policy(None, "org", NOTE)
@login_required
@require_POST
@recent_auth()
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销: the unit and everything under it close; their posts end that day."""
    _require_manager(request)
    node = selectors.get_node_or_404(request.user, pk, request)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _node_page(request, node, 400, _form_error(form))
    try:
        services.close_node(by=request.user, node=node, on=form.cleaned_data["on"])
    except services.OrgAdminError as exc:
        return _node_page(request, node, 400, exc.message)
    messages.success(request, _("%(name)s is closed.") % {"name": node.name})
    return redirect("orgadmin:node", pk=node.pk)


@policy(None, "org", NOTE)
@login_required
@require_POST
@recent_auth()
def add_class(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    school = selectors.get_node_or_404(request.user, pk, request)
    if school.kind != NodeKind.SCHOOL:
        return _node_page(request, school, 400, _("Classes are added on a school's page."))
    form = ClassForm(request.POST, school=school)
    if not form.is_valid():
        return _node_page(request, school, 400, _form_error(form), class_form=form)
    data = form.cleaned_data
    teacher = None
    if data["class_teacher"]:
        teacher = selectors.managed_account(request.user, data["class_teacher"])
        if teacher is None:
            return _node_page(
                request, school, 400, _("No account %(u)s was found.") % {"u": data["class_teacher"]},
                class_form=form,
            )  # fmt: skip
    try:
        cls = services.create_class(
            by=request.user, campus=data["campus"], school_year=data["school_year"], grade=data["grade"],
            number=data["number"], name=data["name"], class_teacher=teacher,
        )  # fmt: skip
    except services.OrgAdminError as exc:
        return _node_page(request, school, 400, exc.message, class_form=form)
    messages.success(request, _("%(name)s created.") % {"name": cls.name})
    return redirect("orgadmin:node", pk=school.pk)


@policy(None, "org", NOTE)
@login_required
@require_POST
@recent_auth()
def add_post(request: HttpRequest, pk: int) -> HttpResponse:
    """任职: a dated post at this unit, for an existing account or a new one."""
    _require_manager(request)
    node = selectors.get_node_or_404(request.user, pk, request)
    classes = list(selectors.classes_of(node)) if node.kind == NodeKind.SCHOOL else None
    form = PostForm(request.POST, node=node, classes=classes)
    if not form.is_valid():
        return _node_page(request, node, 400, _form_error(form), post_form=form)
    data = form.cleaned_data
    user = None
    if data["existing"]:
        user = selectors.managed_account(request.user, data["existing"])
        if user is None:
            return _node_page(
                request, node, 400, _("No account %(u)s was found.") % {"u": data["existing"]}, post_form=form
            )
    school_class = None
    if data.get("school_class"):
        school_class = selectors.managed_class(request.user, data["school_class"])
        if school_class is None:
            return _node_page(request, node, 400, _("Choose the class of the class teacher."), post_form=form)
    try:
        services.appoint(
            by=request.user, node=node, role=data["role"], user=user,
            new_account=None if user is not None else _account(data), school_class=school_class,
            valid_from=data["valid_from"], valid_to=data["valid_to"], title=data["title"],
            full_time=data["full_time"],
        )  # fmt: skip
    except services.OrgAdminError as exc:
        return _node_page(request, node, 400, exc.message, post_form=form)
    messages.success(request, _("Post saved."))
    return redirect("orgadmin:node", pk=node.pk)


@policy(None, "org", NOTE)
@login_required
@require_POST
@recent_auth()
def end_post(request: HttpRequest, pk: int) -> HttpResponse:
    """离任: the post ends on the given day (today by default); it is kept in the history."""
    _require_manager(request)
    post = selectors.get_post_or_404(request.user, pk, request)
    form = EndPostForm(request.POST)
    if not form.is_valid():
        return _node_page(request, post.node, 400, _form_error(form))
    try:
        services.end_post(by=request.user, post=post, on=form.cleaned_data["on"])
    except services.OrgAdminError as exc:
        return _node_page(request, post.node, 400, exc.message)
    messages.success(request, _("Post ended."))
    return redirect("orgadmin:node", pk=post.node_id)


@policy(None, "org", NOTE)
@login_required
@require_http_methods(["GET", "POST"])
@recent_auth()
def edit_class(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's name and campus (its grade and year move with the year rollover)."""
    _require_manager(request)
    cls = selectors.get_class_or_404(request.user, pk, request)
    form = EditClassForm(request.POST or None, school_class=cls)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_class(
                    by=request.user, school_class=cls, name=form.cleaned_data["name"],
                    campus=form.cleaned_data["campus"],
                )  # fmt: skip
            except services.OrgAdminError as exc:
                error = exc.message
            else:
                messages.success(request, _("Saved."))
                return redirect("orgadmin:node", pk=cls.school_id)
        else:
            error = _form_error(form)
        status = 400
        cls.refresh_from_db()
    return render(request, "orgadmin/class.html", {"cls": cls, "form": form, "error": error}, status=status)
