"""Settings for the test suite (``DJANGO_SETTINGS_MODULE`` in pyproject.toml): the development settings, with a
cheap password hash.

Argon2 at Django's parameters (100 MiB, t=2, p=8) takes about 0.4 s a hash on two cores; the suite signs people in
through the form, seeds demo cities and activates accounts hundreds of times, so CI spent minutes hashing. The test
hash is still Argon2id (``argon2$…``, verified and upgraded by the same code), at the smallest cost argon2 allows.
Development and production keep the strong hash: tests/prod/test_production_settings.py::
test_production_hashes_passwords_with_argon2_at_djangos_parameters checks it.
"""

from __future__ import annotations

from xinyu.settings import *  # noqa: F403
from xinyu.settings import PASSWORD_HASHERS as _SITE_HASHERS

PASSWORD_HASHERS = ["xinyu.cheap_hasher.CheapArgon2PasswordHasher", *_SITE_HASHERS]
