"""Writes of organisation administration (issue 18 build 1; R1, R1.2, R14): districts, education groups,
schools, campuses, classes and posts (岗位), on pages instead of a shell.

Every function here is keyword-only, asks the policy first (``may(by, "org.manage", node)``: the city
administrator anywhere, a district administrator inside their district), runs in one transaction and writes one
audit event. Bad input raises :class:`OrgAdminError` with a sentence the page shows; nothing is changed then.
Nodes are closed (撤销), never deleted; posts are ended, never deleted."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from access.policy import may
from org.models import (
    ALLOWED_PARENTS,
    ROLE_NODE_KINDS,
    Enrollment,
    EnrollmentStatus,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    SchoolStage,
    SchoolYear,
    User,
)

SCHOOL_CODE = re.compile(r"^\d{10}$")  # 学校标识码: ten digits, issued by the Ministry of Education
DISTRICT_CODE = re.compile(r"^\d{6}$")  # 行政区划代码 of a district, e.g. 110108 海淀区

# The posts the pages appoint, by the level they are held at (R1.4 city research team, district research staff
# and counseling centre; R1.1/R1.2 psychological teachers per school and per campus; R2.1 class teachers).
# Students and guardians get their accounts through the roster import, never here.
APPOINTABLE: tuple[str, ...] = (
    Role.CITY_ADMIN,
    Role.CITY_OFFICER,
    Role.SUPERVISOR,
    Role.DISTRICT_ADMIN,
    Role.DISTRICT_OFFICER,
    Role.DISTRICT_COUNSELOR,
    Role.SCHOOL_LEADER,
    Role.PSYCH_TEACHER,
    Role.CLASS_TEACHER,
    Role.TEACHER,
    Role.INSTITUTION_CLINICIAN,
    Role.SECURITY_ADMIN,
    Role.AUDITOR,
)

# 三权分立: the security administrator and the auditor watch the system administrators, so a district's
# administrator never appoints them (the city's administrator does, at the city or at a district).
CITY_APPOINTS: frozenset[str] = frozenset({Role.SECURITY_ADMIN, Role.AUDITOR})

CLASS_GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "初一", 8: "初二", 9: "初三", 10: "高一", 11: "高二", 12: "高三",
}  # fmt: skip


class OrgAdminError(Exception):
    """Bad input a user can cause: shown to them, nothing changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NewAccount:
    """A staff account created together with its first post (e.g. a new district's administrator)."""

    username: str
    display_name: str
    password: str
    phone: str = ""


def require_manager(by: User, node: Node) -> None:
    """The policy first: ``by`` keeps the organisation at ``node``. A refusal is on the audit trail."""
    if not may(by, "org.manage", node):
        audit.record(actor=by, action="access.denied", obj=node, detail={"action": "org.manage"})
        raise PermissionDenied


def _root(node: Node) -> Node:
    """The city a node belongs to (the top of its materialized path)."""
    return Node.objects.get(path=node.path.split(".")[0] + ".")


def _text(value: str, label: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise OrgAdminError(_("Please fill in: %(field)s.") % {"field": label})
    if len(value) > max_length:
        raise OrgAdminError(
            _("%(field)s is too long (at most %(n)s characters).") % {"field": label, "n": max_length}
        )
    return value


def _check_code_free(code: str, exclude: Node | None = None) -> None:
    taken = Node.objects.filter(code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise OrgAdminError(_("The code %(code)s is already used by another unit.") % {"code": code})


def _clean_code(kind: str, code: str, parent: Node) -> str:
    code = (code or "").strip()
    if kind == NodeKind.SCHOOL:
        if not SCHOOL_CODE.match(code):
            raise OrgAdminError(_("The school identification code (学校标识码) is ten digits."))
    elif kind == NodeKind.DISTRICT:
        if not DISTRICT_CODE.match(code):
            raise OrgAdminError(_("The district's administrative division code is six digits."))
    elif not code:  # campuses and education groups: numbered under their parent
        n = Node.objects.filter(parent=parent).count() + 1
        code = f"{parent.code}-{n}"
        while Node.objects.filter(code=code).exists():
            n += 1
            code = f"{parent.code}-{n}"
    return _text(code, _("code"), 32)


def _check_name_free(kind: str, parent: Node, name: str, exclude: Node | None = None) -> None:
    """Two districts of a city, or two schools of a district, never share a name; campuses of one school
    neither."""
    siblings = Node.objects.filter(kind=kind, name=name)
    if kind == NodeKind.SCHOOL:
        siblings = siblings.filter(district_id=parent.district_id or parent.pk)
    else:
        siblings = siblings.filter(parent=parent)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.exists():
        raise OrgAdminError(
            _("There is already a %(kind)s named %(name)s here.")
            % {"kind": NodeKind(kind).label, "name": name}
        )


def create_node(
    *,
    by: User,
    parent: Node,
    kind: str,
    name: str,
    code: str = "",
    stage: str = "",
    is_multi_site: bool = False,
    admin: NewAccount | None = None,
) -> Node:
    """Create a district (the city administrator), an education group, a school (学校标识码, ten digits,
    unique) or a campus under ``parent``. A new district may get its administrator account and post in the
    same step (``admin``): both or neither are created."""
    require_manager(by, parent)
    with transaction.atomic():
        if kind not in NodeKind.values or kind == NodeKind.CITY:
            raise OrgAdminError(_("Choose what to create."))
        if parent.closed_on is not None:
            raise OrgAdminError(_("%(name)s is closed: nothing can be added to it.") % {"name": parent.name})
        if parent.kind not in ALLOWED_PARENTS[kind]:
            raise OrgAdminError(
                _("A %(kind)s cannot be placed under %(parent)s.")
                % {"kind": NodeKind(kind).label, "parent": parent.name}
            )
        name = _text(name, _("name"), 100)
        code = _clean_code(kind, code, parent)
        _check_name_free(kind, parent, name)
        _check_code_free(code)
        if kind == NodeKind.SCHOOL and stage not in SchoolStage.values:
            raise OrgAdminError(_("Choose the school's stage."))
        node = Node(
            kind=kind,
            parent=parent,
            name=name,
            code=code,
            stage=stage if kind == NodeKind.SCHOOL else "",
            is_multi_site=bool(is_multi_site) and kind == NodeKind.SCHOOL,
        )
        try:
            with transaction.atomic():
                node.save()
        except (IntegrityError, ValidationError):
            raise OrgAdminError(
                _("The code %(code)s is already used by another unit.") % {"code": code}
            ) from None
        audit.record(actor=by, action="org.node.create", obj=node, detail={"kind": kind, "parent": parent.pk})
        if admin is not None and kind == NodeKind.DISTRICT:
            appoint(
                by=by,
                node=node,
                role=Role.DISTRICT_ADMIN,
                new_account=admin,
                title=_("District administrator"),
            )
        return node


def create_city(*, by: User, name: str, code: str) -> Node:
    """The first step of a new installation (issue 18): the superuser creates the city at the top of the tree,
    then appoints its administrator on the city's page. One city only; anyone else is refused (audited)."""
    if not by.is_superuser:
        audit.record(actor=by, action="access.denied", detail={"action": "org.city.create"})
        raise PermissionDenied
    with transaction.atomic():
        if Node.objects.filter(kind=NodeKind.CITY).exists():
            raise OrgAdminError(_("The city exists already."))
        name = _text(name, _("name"), 100)
        code = (code or "").strip()
        if not DISTRICT_CODE.match(code):
            raise OrgAdminError(_("The city's administrative division code is six digits."))
        node = Node.objects.create(kind=NodeKind.CITY, name=name, code=code)
        audit.record(actor=by, action="org.node.create", obj=node, detail={"kind": NodeKind.CITY})
    return node


def edit_node(
    *, by: User, node: Node, name: str, code: str = "", stage: str = "", is_multi_site: bool = False
) -> Node:
    """Rename a unit, correct its code (a school's 学校标识码 stays ten digits and unique) or its stage."""
    require_manager(by, node)
    with transaction.atomic():
        if node.kind == NodeKind.CITY:
            raise PermissionDenied
        name = _text(name, _("name"), 100)
        code = (code or "").strip() or node.code
        if code != node.code:  # a code kept as it is is not re-checked (units created before the pages)
            code = _clean_code(node.kind, code, node.parent)
        _check_name_free(node.kind, node.parent, name, exclude=node)
        _check_code_free(code, exclude=node)
        before = {"name": node.name, "code": node.code, "stage": node.stage}
        node.name, node.code = name, code
        if node.kind == NodeKind.SCHOOL:
            if stage not in SchoolStage.values:
                raise OrgAdminError(_("Choose the school's stage."))
            node.stage, node.is_multi_site = stage, bool(is_multi_site)
        node.save()
        audit.record(actor=by, action="org.node.edit", obj=node, detail={"before": before})
        return node


def close_node(*, by: User, node: Node, on: dt.date | None = None) -> Node:
    """撤销: close a unit and everything under it on ``on`` (today by default): every post there ends that day.
    Refused while students are enrolled there — they are transferred or graduate first. Closing a closed unit
    changes nothing."""
    require_manager(by, node)
    with transaction.atomic():
        if node.kind == NodeKind.CITY:
            raise PermissionDenied
        if node.closed_on is not None:
            return node
        on = on or timezone.localdate()
        subtree = Node.objects.subtree(node)
        active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE).filter(
            Q(school__in=subtree) | Q(school_class__campus__in=subtree)
        )
        if active.exists():
            raise OrgAdminError(
                _(
                    "%(name)s still has enrolled students: transfer them or let them graduate before closing it."
                )
                % {"name": node.name}
            )
        ended = (
            Post.objects.filter(node__in=subtree)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
            .filter(valid_from__lte=on)
            .update(valid_to=on)
        )
        subtree.filter(closed_on__isnull=True).update(closed_on=on)
        node.refresh_from_db()
        audit.record(
            actor=by, action="org.node.close", obj=node, detail={"on": on.isoformat(), "posts_ended": ended}
        )
        return node


def create_class(
    *,
    by: User,
    campus: Node,
    school_year: SchoolYear,
    grade: int,
    number: int,
    name: str = "",
    class_teacher: User | None = None,
) -> SchoolClass:
    """A class (班级) of a school year on a campus: grade and number give its name (五年级1班, 初一2班) unless one
    is given; a class teacher named here gets a class-teacher post from today."""
    require_manager(by, campus)
    if campus.kind != NodeKind.CAMPUS:
        raise OrgAdminError(_("Choose the campus the class is taught at."))
    school = campus.parent
    with transaction.atomic():
        if campus.closed_on is not None:
            raise OrgAdminError(_("%(name)s is closed: nothing can be added to it.") % {"name": campus.name})
        if grade not in school.grades:
            raise OrgAdminError(
                _("%(school)s does not teach grade %(grade)s.") % {"school": school.name, "grade": grade}
            )
        if not 1 <= number <= 99:
            raise OrgAdminError(_("The class number is between 1 and 99."))
        name = _text(name, _("class name"), 40, required=False) or f"{CLASS_GRADE_NAMES[grade]}{number}班"
        if SchoolClass.objects.filter(
            school=school, school_year=school_year, grade=grade, name=name
        ).exists():
            raise OrgAdminError(
                _("%(school)s already has a class %(name)s in %(year)s.")
                % {"school": school.name, "name": name, "year": school_year}
            )
        cls = SchoolClass.objects.create(
            school=school, campus=campus, school_year=school_year, grade=grade, name=name
        )
        audit.record(actor=by, action="org.class.create", obj=cls, detail={"school": school.pk})
        if class_teacher is not None:
            appoint(by=by, node=school, role=Role.CLASS_TEACHER, user=class_teacher, school_class=cls)
        return cls


def _create_account(account: NewAccount) -> User:
    username = _text(account.username, _("username"), 150)
    if not re.fullmatch(r"[\w.@+-]+", username):
        raise OrgAdminError(_("A username has letters, digits and @ . + - _ only."))
    if User.objects.filter(username__iexact=username).exists():
        raise OrgAdminError(_("The username %(u)s is taken. Choose another.") % {"u": username})
    display_name = _text(account.display_name, _("person's name"), 50)
    phone = (account.phone or "").strip()
    if phone and not re.fullmatch(r"1\d{10}", phone):
        raise OrgAdminError(_("A mobile phone number is eleven digits starting with 1."))
    user = User(username=username, display_name=display_name, phone=phone)
    try:
        validate_password(account.password, user)
    except ValidationError as exc:
        raise OrgAdminError(" ".join(exc.messages)) from None
    user.set_password(account.password)
    user.save()
    return user


def _overlaps(valid_from: dt.date, valid_to: dt.date | None) -> Q:
    q = Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    if valid_to is not None:
        q &= Q(valid_from__lte=valid_to)
    return q


def appoint(
    *,
    by: User,
    node: Node,
    role: str,
    user: User | None = None,
    new_account: NewAccount | None = None,
    school_class: SchoolClass | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    title: str = "",
    full_time: bool = False,
) -> Post:
    """任职: give ``user`` (or a new account) a post of ``role`` at ``node``, dated. Refused: a role not held at
    this kind of unit, a class of another school, dates out of order, the same post of the same person with
    overlapping dates, a second class teacher of a class at the same time, and a post that would break the
    separation of duties (三权分立: system administrator, security administrator and auditor are separate
    accounts)."""
    require_manager(by, node)
    with transaction.atomic():
        if role not in APPOINTABLE:
            raise OrgAdminError(_("Choose the post."))
        if node.closed_on is not None:
            raise OrgAdminError(_("%(name)s is closed: nothing can be added to it.") % {"name": node.name})
        if role in CITY_APPOINTS and not may(by, "org.manage", _root(node)):
            raise OrgAdminError(
                _("Security administrators and auditors are appointed by the city administrator.")
            )
        if node.kind not in ROLE_NODE_KINDS[role]:
            raise OrgAdminError(
                _("A %(role)s post is not held at a %(kind)s.")
                % {"role": Role(role).label, "kind": node.get_kind_display()}
            )
        if role == Role.CLASS_TEACHER and school_class is None:
            raise OrgAdminError(_("Choose the class of the class teacher."))
        if school_class is not None and role != Role.CLASS_TEACHER:
            school_class = None
        if school_class is not None and school_class.school_id != node.pk:
            raise OrgAdminError(
                _("%(cls)s is a class of %(school)s, not of %(here)s.")
                % {"cls": school_class.name, "school": school_class.school.name, "here": node.name}
            )
        valid_from = valid_from or timezone.localdate()
        if valid_to is not None and valid_to < valid_from:
            raise OrgAdminError(_("The end date of the post is before its start date."))
        if (user is None) == (new_account is None):
            raise OrgAdminError(_("Choose the person: an existing account or a new one."))
        if user is not None:
            same = Post.objects.filter(user=user, role=role, node=node, school_class=school_class)
            if same.filter(_overlaps(valid_from, valid_to)).exists():
                raise OrgAdminError(
                    _("%(user)s already holds this post here for part of these dates. End that post first.")
                    % {"user": user}
                )
        if school_class is not None:
            other = Post.objects.filter(role=Role.CLASS_TEACHER, school_class=school_class)
            if user is not None:
                other = other.exclude(user=user)
            holder = other.filter(_overlaps(valid_from, valid_to)).select_related("user").first()
            if holder is not None:
                raise OrgAdminError(
                    _(
                        "%(cls)s already has a class teacher (%(user)s) for part of these dates. End that post first."
                    )
                    % {"cls": school_class.name, "user": holder.user}
                )
        if new_account is not None:
            user = _create_account(new_account)
        post = Post(
            user=user,
            role=role,
            node=node,
            school_class=school_class,
            valid_from=valid_from,
            valid_to=valid_to,
            title=_text(title, _("job title"), 60, required=False),
            full_time=bool(full_time),
        )
        try:
            post.clean()  # the role's level, the class's school, 三权分立 (Post.clean and the org.0004 trigger)
        except ValidationError as exc:
            raise OrgAdminError(" ".join(exc.messages)) from None
        try:
            with transaction.atomic():
                post.save()
        except IntegrityError:  # the database trigger of org.0004 (a race with another appointment)
            raise OrgAdminError(
                _(
                    "Separation of duties: this account already holds a post of another administrative duty "
                    "(system administrator, security administrator, auditor). Use a separate account."
                )
            ) from None
        if school_class is not None and valid_from <= timezone.localdate() and valid_to is None:
            SchoolClass.objects.filter(pk=school_class.pk).update(class_teacher=user)
        audit.record(
            actor=by,
            action="org.post.appoint",
            obj=post,
            detail={"user": user.pk, "role": role, "node": node.pk, "new_account": new_account is not None},
        )
        return post


def end_post(*, by: User, post: Post, on: dt.date | None = None) -> Post:
    """离任: a post ends on ``on`` (today by default) instead of being deleted — who held what, when, stays. A
    class whose teacher leaves has no class teacher until the next is appointed."""
    require_manager(by, post.node)
    with transaction.atomic():
        on = on or timezone.localdate()
        if on < post.valid_from:
            raise OrgAdminError(_("The end date of the post is before its start date."))
        post.valid_to = on
        post.save(update_fields=["valid_to"])
        if post.school_class_id and on < timezone.localdate() + dt.timedelta(days=1):
            SchoolClass.objects.filter(pk=post.school_class_id, class_teacher=post.user_id).update(
                class_teacher=None
            )
        audit.record(actor=by, action="org.post.end", obj=post, detail={"on": on.isoformat()})
        return post


def edit_class(*, by: User, school_class: SchoolClass, name: str, campus: Node) -> SchoolClass:
    """Rename a class or move it to another campus of its school. Its grade and school year change only with
    the year rollover (its students' enrollments follow them there)."""
    require_manager(by, school_class.school)
    with transaction.atomic():
        name = _text(name, _("class name"), 40)
        if campus.kind != NodeKind.CAMPUS or campus.parent_id != school_class.school_id:
            raise OrgAdminError(_("Choose the campus the class is taught at."))
        if campus.closed_on is not None:
            raise OrgAdminError(_("%(name)s is closed: nothing can be added to it.") % {"name": campus.name})
        taken = SchoolClass.objects.filter(
            school=school_class.school_id, school_year=school_class.school_year_id, grade=school_class.grade,
            name=name,
        ).exclude(pk=school_class.pk)  # fmt: skip
        if taken.exists():
            raise OrgAdminError(
                _("%(school)s already has a class %(name)s in %(year)s.")
                % {"school": school_class.school.name, "name": name, "year": school_class.school_year}
            )
        before = {"name": school_class.name, "campus": school_class.campus_id}
        school_class.name, school_class.campus = name, campus
        school_class.save(update_fields=["name", "campus"])
        audit.record(actor=by, action="org.class.edit", obj=school_class, detail={"before": before})
    return school_class
