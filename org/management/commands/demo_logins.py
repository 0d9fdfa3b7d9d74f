"""``python manage.py demo_logins`` — print the demo logins (演示账号): role, username, password, where."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from org.demo.logins import DEMO_PASSWORD
from org.demo.table import demo_login_rows, render_table


class Command(BaseCommand):
    help = "Print one demo login per role (after seed_demo), checking that each one works."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/login/", help="login address to print")
        parser.add_argument(
            "--reset", action="store_true", help="give the demo password back to demo accounts that lost it"
        )

    def handle(self, *args, url: str, reset: bool, **options) -> None:
        rows = demo_login_rows(reset=reset)
        if not any(r.user for r in rows):
            self.stdout.write("No demo logins: run `python manage.py seed_demo --students 2000` first.")
            return
        table = []
        for r in rows:
            if r.user is None:
                status = "(missing)"
            elif not r.works:
                status = "(password changed: demo_logins --reset)"
            else:
                status = DEMO_PASSWORD
            table.append([r.login.zh, r.login.en, r.login.username, status, r.where])
        self.stdout.write(f"\n演示账号 Demo logins — {url}  (password / 密码: {DEMO_PASSWORD})\n")
        self.stdout.write(
            render_table(["角色", "Role", "Username 用户名", "Password 密码", "Where 所在"], table)
        )
        self.stdout.write("")
