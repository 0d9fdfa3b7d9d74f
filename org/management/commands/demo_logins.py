"""``python manage.py demo_logins`` — print the demo logins (演示账号): role, username, password, where."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand

from org.demo.logins import DEMO_PASSWORD, demo_secrets
from org.demo.table import demo_login_rows, render_table


def served_login_url() -> str:
    """The login page at the address the server binds: XINYU_BIND (gunicorn, deploy/run-stack.sh) or the default."""
    bind = os.environ.get("XINYU_BIND", "").split(",")[0].strip() or "127.0.0.1:8000"
    host, _, port = bind.rpartition(":")
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "[::]": "[::1]"}.get(host, host)  # noqa: S104 (an address to print)
    return f"http://{host}:{port}/login/"


class Command(BaseCommand):
    help = "Print one demo login per role (after seed_demo), checking that each one works."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url",
            default=None,
            help="login address to print (default: from XINYU_BIND, as gunicorn serves, else 127.0.0.1:8000; "
            "`make run PORT=…` passes the address it serves)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="give the demo password back to demo accounts that lost it"
        )

    def handle(self, *args, url: str | None, reset: bool, **options) -> None:
        url = url or served_login_url()
        rows = demo_login_rows(reset=reset)
        if not any(r.user for r in rows):
            self.stdout.write("No demo logins: run `python manage.py seed_demo --students 2000` first.")
            return
        secrets = demo_secrets([r.user for r in rows if r.user])
        table = []
        for r in rows:
            if r.user is None:
                status = "(missing)"
            elif not r.works:
                status = "(password changed: demo_logins --reset)"
            else:
                status = DEMO_PASSWORD
            secret = secrets.get(r.user.pk, "—") if r.user else "—"
            table.append([r.login.zh, r.login.en, r.login.username, status, secret, r.where])
        self.stdout.write(f"\n演示账号 Demo logins — {url}  (password / 密码: {DEMO_PASSWORD})\n")
        self.stdout.write(
            render_table(
                ["角色", "Role", "Username 用户名", "Password 密码", "2FA secret 动态码密钥", "Where 所在"],
                table,
            )
        )
        if secrets:
            self.stdout.write(
                "\nAccounts with a 2FA secret ask for a 6-digit code after the password (两步验证): add the secret"
                " to an authenticator app (TOTP), or run `python manage.py totp_code USERNAME` (demo only)."
            )
        self.stdout.write("")
