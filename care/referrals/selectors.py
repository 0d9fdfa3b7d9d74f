"""Reads of partner institutions (合作机构) and referrals (转介; issue 4 item 7, R13): Scope.REFERRED, the referrals a
user sees, the registry. Every read starts from ``access.policy``; the institution clinician sees the referrals
sent to their institution, minimum data."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from access.policy import NOTHING, roles_of
from access.tiers import Tier
from care.models import Case, Institution, InstitutionMember, Referral, ReferralStatus
from care.plans.selectors import READER_ROLES, readable_cases, students_of
from care.referrals import deadlines
from org.models import Node, Post, Role, User

REFERRAL_ROLES = READER_ROLES | {Role.INSTITUTION_CLINICIAN}


# Steps in which a referral is with the institution: its clinicians see it (Scope.REFERRED).
AT_INSTITUTION = (
    ReferralStatus.SENT,
    ReferralStatus.APPOINTMENT,
    ReferralStatus.SEEN,
    ReferralStatus.FEEDBACK,
)


def referred_scope(post: Post) -> Q:
    """Scope.REFERRED: students with a referral sent to an institution the post's holder is a clinician of,
    still with the institution (sent, appointment, seen, feedback; not yet back at school)."""
    if post.role != Role.INSTITUTION_CLINICIAN:
        return NOTHING
    institutions = InstitutionMember.objects.filter(user_id=post.user_id, institution__is_active=True).values(
        "institution_id"
    )
    referrals = Referral.objects.filter(institution_id__in=institutions, status__in=AT_INSTITUTION)
    return Q(pk__in=referrals.values("student_id"))


def may_see_referrals(user: User) -> bool:
    return bool(roles_of(user) & REFERRAL_ROLES)


def _clinician_institutions(user: User) -> QuerySet[Institution]:
    if Role.INSTITUTION_CLINICIAN not in roles_of(user):
        return Institution.objects.none()
    return Institution.objects.filter(members__user=user, is_active=True)


def referrals_for(user: User) -> QuerySet[Referral]:
    """The referrals ``user`` may see: the school's (psychological teacher), the escalated students'
    (district counselor), those with their institution (clinician)."""
    q = Q(pk__in=[])
    roles = roles_of(user)
    if roles & READER_ROLES:
        q |= Q(student__in=students_of(user, Tier.T3, READER_ROLES))
    if Role.INSTITUTION_CLINICIAN in roles:
        q |= Q(institution__in=_clinician_institutions(user).values("pk"), status__in=AT_INSTITUTION)
    return Referral.objects.filter(q)


def referral_list(user: User) -> list[Referral]:
    """The referrals page's rows, with what each row shows (no query per row) and the overdue flag."""
    rows = list(
        referrals_for(user).select_related("student", "school", "institution").order_by("-status_at", "-pk")
    )
    now = timezone.now()
    for r in rows:
        r.due = deadlines.referral_step_due(r)
        r.overdue = r.due is not None and r.due < now
    return rows


def is_clinician_view(user: User, referral: Referral) -> bool:
    """The clinician sees the minimum data; the school's readers see the whole referral."""
    return not readable_cases(user).filter(pk=referral.case_id).exists()


def is_member(user: User, institution: Institution) -> bool:
    return _clinician_institutions(user).filter(pk=institution.pk).exists()


def institutions_for_case(case: Case) -> QuerySet[Institution]:
    """The partner institutions a case's school may refer to: its district's active ones."""
    return Institution.objects.filter(district_id=case.school.district_id, is_active=True).order_by("name")


def managed_districts(user: User) -> list[Node]:
    """Districts whose partner-institution registry ``user`` keeps (the district administrator)."""
    from access.policy import posts_of

    return [p.node for p in posts_of(user) if p.role == Role.DISTRICT_ADMIN]


def registry(user: User) -> QuerySet[Institution]:
    return (
        Institution.objects.filter(district__in=managed_districts(user))
        .select_related("district")
        .prefetch_related("members__user")
        .order_by("district__name", "name")
    )


def clinician_choices() -> QuerySet[User]:
    ids = Post.objects.active().filter(role=Role.INSTITUTION_CLINICIAN).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "pk")
