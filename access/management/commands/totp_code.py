"""The current TOTP code of a demo account — for `make run` only: refused unless DEBUG is on."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current two-step verification code of a user (demo only: needs DEBUG=True)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError("totp_code is for the demo only: it refuses to run without DEBUG.")
        from access import mfa
        from org.models import User

        user = User.objects.filter(username=username).first()
        factor = mfa.factor_of(user) if user else None
        if factor is None:
            raise CommandError(f"{username}: no two-step verification set up.")
        self.stdout.write(mfa.current_code(factor.secret))
