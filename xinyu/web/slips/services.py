"""Initial student passwords printed per class (学生初始密码条) — foundation issue, deliverable 5.

For every active student of a class who has no login yet, or has one but never logged in, the service makes
(or keeps) the account (username = 学籍号), sets a fresh random readable password and returns it on a slip.
The plaintext exists only in the returned slips, which the caller renders to PDF or Excel and hands out; the
database holds only the hash, and the audit trail only the count.
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from access import audit
from org.models import Enrollment, EnrollmentStatus, Post, Role, SchoolClass, Student, User

# No 0/O/o, 1/l/I: a child copies this from paper.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
LETTERS = "abcdefghjkmnpqrstuvwxyz"
DIGITS = "23456789"


class InitialPasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum parameters (19 MiB, t=2, p=1) for one-time initial passwords only.

    The site default (100 MiB, parallelism 8) takes about 0.4 s per hash on two cores, 20 s for a class; these
    hashes take about 0.04 s. The standard Argon2 hasher verifies them (parameters are in the hash) and,
    because they differ from the site default, Django re-hashes at the student's first login (``must_update``).
    """

    memory_cost = 19456
    time_cost = 2
    parallelism = 1


_hasher = InitialPasswordHasher()


def readable_password(groups: int = 2, size: int = 4) -> str:
    """e.g. ``k7mp-4x9a``: lowercase letters and digits without look-alikes, at least one of each."""
    while True:
        pw = "-".join("".join(secrets.choice(ALPHABET) for _ in range(size)) for _ in range(groups))
        if any(c in DIGITS for c in pw) and any(c in LETTERS for c in pw):
            return pw


def hash_passwords(passwords: list[str]) -> list[str]:
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:  # argon2 releases the GIL
        return list(pool.map(lambda pw: _hasher.encode(pw, _hasher.salt()), passwords))


@dataclass(frozen=True)
class Slip:
    school: str
    campus: str
    class_name: str
    student_name: str
    student_no: str
    username: str
    password: str = field(repr=False)


@dataclass
class SlipBatch:
    school_class: SchoolClass
    slips: list[Slip]
    kept: int  # students who have logged in: their password is left alone
    conflicts: list[str]  # 学籍号 whose username belongs to an account of someone else


@transaction.atomic
def issue_class_passwords(
    *, school_class: SchoolClass, actor: User | None, request: HttpRequest | None = None, fmt: str = ""
) -> SlipBatch:
    """Give every student of ``school_class`` who never logged in a fresh password, and return the slips.

    The caller has checked the policy (``xinyu.web.slips.selectors.get_printable_class_or_404``)."""
    cls = school_class
    enrollments = (
        Enrollment.objects.filter(school_class=cls, status=EnrollmentStatus.ACTIVE)
        .select_related("student__user")
        .order_by("student__student_no")
    )
    students: list[Student] = [e.student for e in enrollments]
    kept = sum(1 for s in students if s.user is not None and s.user.last_login is not None)
    todo = [s for s in students if s.user is None or s.user.last_login is None]
    taken = set(
        User.objects.filter(username__in=[s.student_no for s in todo if s.user is None]).values_list(
            "username", flat=True
        )
    )
    conflicts = sorted(s.student_no for s in todo if s.user is None and s.student_no in taken)
    todo = [s for s in todo if not (s.user is None and s.student_no in taken)]
    passwords = [readable_password() for _ in todo]
    hashes = hash_passwords(passwords)

    existing = [s.user for s in todo if s.user is not None]
    new_users = []
    for s, h in zip(todo, hashes, strict=True):
        if s.user is not None:
            s.user.password = h
        else:
            s.user = User(username=s.student_no, display_name=s.name, password=h)
            new_users.append(s)
    User.objects.bulk_update(existing, ["password"])
    User.objects.bulk_create([s.user for s in new_users])
    for s in new_users:
        s.user = s.user  # re-assign now that the user has a pk: sets user_id and keeps the cached object
    Student.objects.bulk_update(new_users, ["user"])
    with_post = set(
        Post.objects.active()
        .filter(user__in=[s.user for s in todo], role=Role.STUDENT, node=cls.school)
        .values_list("user_id", flat=True)
    )
    today = timezone.localdate()
    Post.objects.bulk_create(
        Post(user=s.user, role=Role.STUDENT, node=cls.school, valid_from=today)
        for s in todo
        if s.user.pk not in with_post
    )
    school, campus = cls.school.name, cls.campus.name
    slips = [
        Slip(school, campus, cls.name, s.name, s.student_no, s.user.username, pw)
        for s, pw in zip(todo, passwords, strict=True)
    ]
    audit.record(
        actor=actor,
        action="roster.print_passwords",
        obj=cls,
        request=request,
        reason="" if actor is not None else "manage.py print_passwords",
        detail={"issued": len(slips), "kept": kept, "conflicts": len(conflicts), "format": fmt},
    )
    return SlipBatch(cls, slips, kept, conflicts)
