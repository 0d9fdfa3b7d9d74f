"""Persona-matrix rows of the notification channels page (issue 15): everyone chooses their own channels."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

PAGE = {
    "care:notification_channels": Expect(EVERYONE),
}
PAGE["care:channel_receipt"] = Expect(
    frozenset(), anonymous=404, method="post", params=(("provider", "aliyun"), ("token", "no-such-token"))
)
