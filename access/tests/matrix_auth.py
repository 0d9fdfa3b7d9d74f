"""Persona-matrix rows for the login's second step, re-authentication and one's own account (gathered by
access/tests/test_matrix.py). The matrix logs personas in with force_login — as if both factors had passed and
just now, so ``@recent_auth`` pages open as they would right after a login (docs/access.md, Authentication)."""

from access.tests.matrix_support import EVERYONE, Expect

PAGE = {
    # The second step is for a visitor between password and code: a signed-in user is sent home; a visitor
    # without a pending password step is sent back to the login page.
    "auth:mfa": Expect(EVERYONE, ok=302),
    "auth:enrol": Expect(EVERYONE, ok=302),
    "auth:reauth": Expect(EVERYONE),
    "auth:security": Expect(EVERYONE),
    # No persona of the matrix has an authenticator: back to the account page.
    "auth:recovery_codes": Expect(EVERYONE, ok=302),
    "auth:password": Expect(EVERYONE),
    # The matrix's token belongs to the district officer: only they see its revoke confirmation; 404 for others.
    "auth:token_revoke": Expect(frozenset({"district_officer"}), params=(("pk", "token"),)),
}

# Activation (issue 18): anonymous pages (the code is the key). A signed-in user is sent home; the password step
# without a right code sends an anonymous visitor back to the code page.
PAGE["auth:activate"] = Expect(EVERYONE, ok=302, anonymous=200)
PAGE["auth:activate_password"] = Expect(EVERYONE, ok=302)
# Single sign-on (issue 18): off by default, so every route is 404 for everyone; the refusal page is public and
# answers 403 with its explanation.
PAGE["sso:oidc_login"] = Expect(frozenset(), anonymous=404)
PAGE["sso:oidc_callback"] = Expect(frozenset(), anonymous=404)
PAGE["sso:cas_login"] = Expect(frozenset(), anonymous=404)
PAGE["sso:refused"] = Expect(frozenset(), denied=403, anonymous=403)
