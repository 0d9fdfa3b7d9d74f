"""Persona-matrix rows for the security administrator's page (gathered by access/tests/test_matrix.py).

三权分立: only the security administrator has it; the auditor and the system administrators (city_admin,
district_admin) get 404 like everyone else — the page does not exist for them."""

from access.tests.matrix_support import Expect

SECURITY = frozenset({"security_admin"})
TARGET = (("pk", "access_security_target"),)
PAGE = {
    "security:accounts": Expect(SECURITY),
    "security:disable": Expect(SECURITY, ok=302, method="post", params=TARGET),
    "security:enable": Expect(SECURITY, ok=302, method="post", params=TARGET),
    "security:unlock": Expect(SECURITY, ok=302, method="post", params=TARGET),
    "security:reset_mfa": Expect(SECURITY, ok=302, method="post", params=TARGET),
}


def objects(world) -> dict:
    """A teacher's account at school A that is no persona (disabling it changes no other persona's answers)."""
    from org.models import Post, Role, User

    target = User.objects.create(username="matrix_security_target", display_name="被停用的老师")
    Post.objects.create(user=target, role=Role.TEACHER, node=world.school_a)
    return {"access_security_target": target}
