"""Production settings refuse unsafe values and pass ``check --deploy`` (issue 9, Deliver 1).

Each case starts a fresh interpreter: the settings module decides at import time.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = base64.b64encode(b"k" * 32).decode()
SAFE = {
    "DJANGO_SETTINGS_MODULE": "xinyu.settings_prod",
    "XINYU_ENV_FILE": "/nonexistent",
    "DJANGO_SECRET_KEY": "s3cr3t-" + "Q7wZ9pLm2xR4vT8nB6yK1cF5hJ3dG0aS" * 2,
    "DJANGO_ALLOWED_HOSTS": "xinyu.example.edu.cn",
    "DATABASE_URL": "postgres://xinyu@127.0.0.1:5432/xinyu_never_connected",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "XINYU_DATA_KEYS": f"k1:{KEY}",
}


def run(code_or_args: list[str], **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "XINYU_", "DATABASE_"))}
    full.pop("REDIS_URL", None)
    full.update(SAFE)
    full.update(env)
    for key in [k for k, v in full.items() if v == "<unset>"]:
        del full[key]
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120
    )


SETUP = ["-c", "import django; django.setup(); print('started')"]


def test_safe_production_settings_start():
    done = run(SETUP)
    assert done.returncode == 0, done.stderr
    assert "started" in done.stdout


def test_production_refuses_debug_and_says_so():
    done = run(SETUP, DJANGO_DEBUG="true")
    assert done.returncode != 0
    assert "Refusing to start" in done.stderr and "DJANGO_DEBUG is on" in done.stderr


def test_production_refuses_the_default_secret_and_a_missing_data_key_naming_both():
    done = run(SETUP, DJANGO_SECRET_KEY="dev-only-insecure-key-change-me", XINYU_DATA_KEYS="<unset>")
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY" in done.stderr
    assert "No data-encryption key" in done.stderr


def test_production_refuses_sqlite_no_redis_and_a_wildcard_host():
    done = run(SETUP, DATABASE_URL="<unset>", REDIS_URL="<unset>", DJANGO_ALLOWED_HOSTS="*")
    assert done.returncode != 0
    for said in ("postgres://", "REDIS_URL", "DJANGO_ALLOWED_HOSTS"):
        assert said in done.stderr


def test_plain_http_is_allowed_only_for_a_loopback_stack():
    public = run(SETUP, XINYU_HTTPS="0")
    assert public.returncode != 0 and "XINYU_HTTPS=0" in public.stderr
    loopback = run(SETUP, XINYU_HTTPS="0", DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
    assert loopback.returncode == 0, loopback.stderr


def test_a_data_key_file_that_exists_is_enough(tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"primary": "k1", "keys": {"k1": KEY}}))
    assert run(SETUP, XINYU_DATA_KEYS="<unset>", XINYU_DATA_KEY_FILE=str(keys)).returncode == 0
    missing = run(SETUP, XINYU_DATA_KEYS="<unset>", XINYU_DATA_KEY_FILE=str(tmp_path / "gone.json"))
    assert missing.returncode != 0 and "No data-encryption key" in missing.stderr


def test_the_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / "xinyu.env"
    env_file.write_text(f"# comment\nexport DJANGO_ALLOWED_HOSTS='a.example.cn'\nXINYU_DATA_KEYS=k1:{KEY}\n")
    done = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.ALLOWED_HOSTS)",
        ],
        XINYU_ENV_FILE=str(env_file),
        XINYU_DATA_KEYS="<unset>",
        DJANGO_ALLOWED_HOSTS="<unset>",
    )
    assert done.returncode == 0, done.stderr
    assert "['a.example.cn']" in done.stdout


def test_check_deploy_is_clean_under_production_settings():
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


HASH_OF = [
    "-c",
    "import django; django.setup(); from django.contrib.auth.hashers import make_password; "
    "print(make_password('Xinyu-prod-2024!'))",
]


def test_production_hashes_passwords_with_argon2_at_djangos_parameters():
    """The test suite hashes cheaply (xinyu/settings_test.py); production and development never do: Argon2id at
    Django's parameters (100 MiB, two passes, parallelism 8), as docs/security.md states."""
    for settings_module in ("xinyu.settings_prod", "xinyu.settings"):
        done = run(HASH_OF, DJANGO_SETTINGS_MODULE=settings_module)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$"), settings_module
