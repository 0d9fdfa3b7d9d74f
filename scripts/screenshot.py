"""Take the README screenshot (docs/screenshot.png) of a running Xinyu in Debian's chromium.

    .venv/bin/python scripts/screenshot.py                       # against `make run` at 127.0.0.1:8000
    .venv/bin/python scripts/screenshot.py --build               # builds a demo city in a scratch var dir,
                                                                 # serves it on a free port, then shoots
    .venv/bin/python scripts/screenshot.py --path /org/students/ --out /tmp/list.png
    .venv/bin/python scripts/screenshot.py --build --homes      # also the district and city officers' home
                                                                 # pages (docs/home-district.png, -city.png)

Logs in through the real login form as the demo psychological teacher (see ``manage.py demo_logins``),
opens ``--path`` at a desktop width and saves a PNG (re-encoded with a palette when it is over 300 KB).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("XINYU_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "Xinyu-demo-2024"  # org/demo/logins.py
MAX_BYTES = 300 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (our own local server)
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"no server answered at {url}")


# The environment of the demo's manage.py (totp_code reads the demo database; it needs DEBUG).
MANAGE_ENV = {**os.environ, "DJANGO_DEBUG": "1"}


def totp_code(username: str) -> str:
    """The demo account's current second-factor code (manage.py totp_code, demo only)."""
    cmd = [sys.executable, "manage.py", "totp_code", username]
    return subprocess.run(
        cmd, cwd=ROOT, env=MANAGE_ENV, check=True, capture_output=True, text=True
    ).stdout.strip()


def build_demo(students: int) -> tuple[str, subprocess.Popen]:
    """A scratch demo city served by runserver on a free port (its own var dir: nothing of yours is touched)."""
    var = tempfile.mkdtemp(prefix="xinyu-shot-")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # the embedded SQLite
    env.update(XINYU_VAR_DIR=var, DJANGO_DEBUG="1")  # dev mode: a data key is made in var
    MANAGE_ENV.clear()
    MANAGE_ENV.update(env)
    py = sys.executable
    for args in (
        ["migrate", "--noinput"],
        ["seed_demo", "--students", str(students), "--seed", "1"],
        ["rollup", "--full"],  # as `make demo`: the supervision figures
    ):
        subprocess.run([py, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [py, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/login/")
    return base, server


# The README's home pages of district and city staff: "what needs me today" (issue 20).
HOMES = [
    ("district_officer", ROOT / "docs" / "home-district.png"),
    ("city_officer", ROOT / "docs" / "home-city.png"),
]


def shoot(
    base: str, username: str, password: str, path: str, out: Path, width: int, height: int, full: bool = False
) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            viewport={"width": width, "height": height},
            locale="zh-CN",
        )
        page = ctx.new_page()
        page.goto(base + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/login/2fa/" in page.url:  # the psychological teacher logs in with two factors
            page.fill("input[name=code]", totp_code(username))
            page.click("main button[type=submit]")
            page.wait_for_load_state("networkidle")
        if "/login/" in page.url:
            raise SystemExit(f"login as {username} failed: is the demo seeded (make demo)?")
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=full)
        ctx.close()
    if out.stat().st_size > MAX_BYTES:
        shrink(out)


def shrink(out: Path) -> None:
    """Quantise to a 128-colour palette (UI screenshots lose nothing visible) with Pillow if present."""
    try:
        from PIL import Image
    except ImportError:
        print(f"{out} is {out.stat().st_size // 1024} KB (> 300 KB) and Pillow is not installed to shrink it")
        return
    img = Image.open(out).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    img.save(out, optimize=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default="http://127.0.0.1:8000")
    ap.add_argument("--build", action="store_true", help="build and serve a scratch demo city first")
    ap.add_argument("--students", type=int, default=2000, help="with --build: demo size")
    ap.add_argument("--username", default="psych")
    ap.add_argument("--password", default=DEMO_PASSWORD)
    ap.add_argument("--path", default="/", help="page to capture (default: the home page)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument(
        "--homes",
        action="store_true",
        help="also the README's home pages of the district officer and the city officer (issue 20)",
    )
    ap.add_argument("--full-page", action="store_true", help="the whole page, not the first screen")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    server = None
    base = args.base_url.rstrip("/")
    try:
        if args.build:
            base, server = build_demo(args.students)
        shoot(
            base, args.username, args.password, args.path, args.out, args.width, args.height, args.full_page
        )
        if args.homes:
            for username, out in HOMES:
                shoot(base, username, args.password, "/", out, args.width, args.height, False)
                print(f"saved {out} ({out.stat().st_size // 1024} KB)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    print(f"saved {args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
