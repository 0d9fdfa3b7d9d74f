"""``manage.py create_api_token USERNAME --name NAME [--days N]``: make a bearer token for the JSON API.

It expires after ``--days`` days, at most (and by default) ``XINYU_API_TOKEN_DAYS`` (docs/security.md 2.10).

The token is printed once, alone on stdout (so ``TOKEN=$(manage.py create_api_token …)`` works); only its
SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from access.tokens import create_token


class Command(BaseCommand):
    help = "Make an API bearer token for a user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'mini-program'")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Expire after this many days (default and most: XINYU_API_TOKEN_DAYS, 90)",
        )

    def handle(self, *args, username: str, name: str, days: int | None, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        if days is not None and days > settings.XINYU_API_TOKEN_DAYS:
            raise CommandError(
                f"--days may be at most {settings.XINYU_API_TOKEN_DAYS} (XINYU_API_TOKEN_DAYS)."
            )
        expires_at = timezone.now() + dt.timedelta(days=days or settings.XINYU_API_TOKEN_DAYS)
        token, plaintext = create_token(user=user, name=name, expires_at=expires_at)
        self.stdout.write(plaintext)
        self.stderr.write(
            f"Token {token.prefix}… for {user.username} ({name})"
            + f", expires {timezone.localtime(expires_at):%Y-%m-%d %H:%M}"
            + ". It is shown only this once."
        )
