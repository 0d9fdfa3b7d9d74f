"""Persona-matrix rows for the organisation pages (issue 18; gathered by access/tests/test_matrix.py).

Only the system administrators (the city's and 海淀's) have them; every other role gets 403 before any lookup.
The forms posted empty come back with their message (400) and change nothing; ending a post is a redirect."""

from access.tests.matrix_support import EVERYONE, Expect

ADMINS = frozenset({"city_admin", "district_admin"})
NEVER = EVERYONE - ADMINS
SCHOOL_A = (("pk", "school_a"),)
PAGE = {
    # One unit kept: the page goes straight to it.
    "orgadmin:index": Expect(ADMINS, ok=302, role_never=NEVER),
    # A new installation's first step: the superuser only (no persona is one): 403 for everyone.
    "orgadmin:add_city": Expect(frozenset(), method="post", role_never=EVERYONE),
    "orgadmin:node": Expect(ADMINS, params=SCHOOL_A, role_never=NEVER),
    "orgadmin:add_child": Expect(ADMINS, ok=400, method="post", params=SCHOOL_A, role_never=NEVER),
    "orgadmin:edit": Expect(ADMINS, ok=400, method="post", params=SCHOOL_A, role_never=NEVER),
    # School A has enrolled students: closing it is refused with a sentence.
    "orgadmin:close": Expect(ADMINS, ok=400, method="post", params=SCHOOL_A, role_never=NEVER),
    "orgadmin:add_class": Expect(ADMINS, ok=400, method="post", params=SCHOOL_A, role_never=NEVER),
    "orgadmin:add_post": Expect(ADMINS, ok=400, method="post", params=SCHOOL_A, role_never=NEVER),
    "orgadmin:edit_class": Expect(ADMINS, params=(("pk", "a1"),), role_never=NEVER),
    "orgadmin:end_post": Expect(
        ADMINS, ok=302, method="post", params=(("pk", "orgadmin_post"),), role_never=NEVER
    ),
}


def objects(world) -> dict:
    """A teacher's post at school A held by an account that is no persona (ending it changes no answer)."""
    from org.models import Post, Role, User

    holder = User.objects.create(username="matrix_orgadmin_teacher", display_name="将离任的老师")
    post = Post.objects.create(user=holder, role=Role.TEACHER, node=world.school_a)
    return {"school_a": world.school_a, "orgadmin_post": post}
