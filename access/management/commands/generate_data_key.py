"""python manage.py generate_data_key [--cipher sm4-gcm] — print a new data key as a key-ring entry."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from access.crypto import AES, CIPHERS, new_key


class Command(BaseCommand):
    help = (
        "Print a new data-encryption key as 'kid:base64key'. Put it FIRST in XINYU_DATA_KEYS to make it the "
        "primary (keep the old keys after it), then run rotate_keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print a key file instead")
        parser.add_argument(
            "--cipher",
            choices=CIPHERS,
            default=None,
            help="aes-256-gcm or sm4-gcm (国密); default: settings.XINYU_DATA_CIPHER",
        )

    def handle(self, *args, json: bool, cipher: str | None, **options):
        kid, b64 = new_key(cipher or getattr(settings, "XINYU_DATA_CIPHER", AES))
        if json:
            import json as _json

            self.stdout.write(_json.dumps({"primary": kid, "keys": {kid: b64}}, indent=2))
        else:
            self.stdout.write(f"{kid}:{b64}")
