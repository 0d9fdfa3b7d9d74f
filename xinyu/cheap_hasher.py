"""The test suite's password hash (xinyu/settings_test.py only): Argon2id at the smallest cost argon2 allows.

Never in development or production settings (tests/prod/test_production_settings.py checks both use Django's
Argon2 parameters). Same algorithm name, so hashes read ``argon2$argon2id$…`` and a hash made at other
parameters (the initial-password slips, a production hash) is verified and upgraded as in production.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    memory_cost = 8  # KiB: argon2's minimum (8 × parallelism)
    time_cost = 1
    parallelism = 1
