"""A real OpenID Connect provider for tests (issue 18): django-oauth-toolkit in a second Django process on loopback.

``OIDCProvider(redirect_uris=[...], users={"name": "password"}).start()`` generates an RSA key, starts
``python -m tests.standins.oidc_provider.serve`` on a free port (its own SQLite file, one registered client, the
given users) and waits until it answers; ``settings(...)`` gives the ``XINYU_OIDC_*`` settings pointing at it;
``stop()`` ends the process. Used by the ``oidc_provider`` fixture (access/tests/conftest.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CLIENT_ID = "xinyu-standin"
CLIENT_SECRET = "standin-client-secret-0123456789"
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rsa_private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class OIDCProvider:
    def __init__(self, *, redirect_uris: list[str], users: dict[str, str]):
        self.redirect_uris = redirect_uris
        self.users = users
        self.port = free_port()
        self.tmp = tempfile.TemporaryDirectory(prefix="xinyu-oidc-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> OIDCProvider:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.standins.oidc_provider.settings",
            "STANDIN_OIDC_KEY": rsa_private_key_pem(),
            "STANDIN_OIDC_DB": str(Path(self.tmp.name) / "provider.sqlite3"),
            "STANDIN_OIDC_SETUP": json.dumps(
                {
                    "redirect_uris": self.redirect_uris,
                    "users": self.users,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                }
            ),  # fmt: skip
        }
        env.pop("DATABASE_URL", None)
        log = open(Path(self.tmp.name) / "provider.log", "w")  # noqa: SIM115 — closed with the directory
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.standins.oidc_provider.serve", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the OIDC stand-in stopped:\n" + self.log())
            try:
                with urllib.request.urlopen(self.url + "/o/.well-known/jwks.json", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the OIDC stand-in did not start:\n" + self.log())

    def log(self) -> str:
        path = Path(self.tmp.name) / "provider.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        self.tmp.cleanup()

    def settings(self, *, claim: str = "preferred_username", field: str = "username") -> dict:
        return {
            "XINYU_OIDC_ENABLED": True,
            "XINYU_OIDC_CLIENT_ID": CLIENT_ID,
            "XINYU_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "XINYU_OIDC_AUTHORIZATION_ENDPOINT": self.url + "/o/authorize/",
            "XINYU_OIDC_TOKEN_ENDPOINT": self.url + "/o/token/",
            "XINYU_OIDC_USERINFO_ENDPOINT": self.url + "/o/userinfo/",
            "XINYU_OIDC_JWKS_ENDPOINT": self.url + "/o/.well-known/jwks.json",
            "XINYU_OIDC_SIGN_ALGO": "RS256",
            "XINYU_OIDC_SCOPES": "openid profile",
            "XINYU_OIDC_CLAIM": claim,
            "XINYU_OIDC_USER_FIELD": field,
        }

    def configure(self, settings, **kwargs) -> None:
        for name, value in self.settings(**kwargs).items():
            setattr(settings, name, value)
