"""python manage.py access_table — print the tier table as implemented (access.policy) in Markdown.

docs/access.md pastes this output between its access-table markers; a test keeps the two equal.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import translation

from access.policy import ACTIONS, NAME_AND_CLASS_ONLY_ROLES, ROLE_TIERS, Scope
from access.tiers import Tier
from org.models import Role

SCOPE_WORDS = {
    Scope.SELF: "self",
    Scope.CHILDREN: "own children",
    Scope.CLASS: "own class",
    Scope.NODE: "post's subtree",
    Scope.ESCALATED: "escalated students",
    Scope.REFERRED: "referred students",
    Scope.RED_ORANGE: "open red/orange cases",
}


def markdown() -> str:
    tiers = list(Tier)
    lines = [
        "| role | " + " | ".join(t.name for t in tiers) + " |",
        "|---|" + "---|" * len(tiers),
    ]
    with translation.override("en"):
        for role, grants in ROLE_TIERS.items():
            cells = [SCOPE_WORDS.get(grants.get(t, Scope.NONE), "—") for t in tiers]
            lines.append(f"| {Role(role).label} (`{role}`) | " + " | ".join(cells) + " |")
        limited = ", ".join(f"`{r}`" for r in sorted(NAME_AND_CLASS_ONLY_ROLES))
        lines += [
            "",
            f"T1 for {limited}: name and class only (to report a concern), not the full roster record.",
        ]
        lines += ["", "| action | roles (within their post's subtree) |", "|---|---|"]
        for action, roles in ACTIONS.items():
            names = ", ".join(f"`{r}`" for r in sorted(roles))
            lines.append(f"| `{action}` | {names} |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the access tier table (roles × tiers, and actions) as implemented, in Markdown."

    def handle(self, *args, **options):
        self.stdout.write(markdown(), ending="")
