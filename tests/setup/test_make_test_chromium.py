"""Issue 20 build 6: `make test` on a fresh Debian machine gets Debian's chromium itself when it can — as root with
apt-get, as .ci/run does — and otherwise stops at once with the one command to run.

scripts/ensure_chromium.sh is run as `make test` runs it (the Makefile's `chromium` step), with a stand-in apt-get
that records what it was asked and installs a stand-in browser, so no test touches the machine's packages.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure_chromium.sh"
ONE_COMMAND = "sudo apt-get install chromium fonts-wqy-microhei"


def _run(tmp_path: Path, *, uid: int, browser: Path, apt: Path | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "XINYU_CHROMIUM": str(browser), "XINYU_UID": str(uid)}
    env["XINYU_APT_GET"] = str(apt) if apt else str(tmp_path / "no-apt-get")
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def _apt_get(tmp_path: Path, browser: Path) -> tuple[Path, Path]:
    """A stand-in apt-get: writes its arguments to a log and, on `install`, puts an executable at ``browser``."""
    log = tmp_path / "apt.log"
    apt = tmp_path / "apt-get"
    apt.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        f'case "$*" in *install*) printf "#!/bin/sh\\n" > "{browser}"; chmod +x "{browser}";; esac\n'
    )
    apt.chmod(0o755)
    return apt, log


def test_make_test_runs_the_chromium_step_before_installing_anything():
    makefile = (ROOT / "Makefile").read_text()
    assert "\ntest: chromium install-test\n" in makefile
    assert "\nchromium:\n\tscripts/ensure_chromium.sh\n" in makefile


def test_with_chromium_present_nothing_is_installed(tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    apt, log = _apt_get(tmp_path, browser)
    got = _run(tmp_path, uid=0, browser=browser, apt=apt)
    assert got.returncode == 0, got.stderr
    assert not log.exists()


def test_as_root_with_apt_get_debians_chromium_is_installed(tmp_path):
    browser = tmp_path / "chromium"
    apt, log = _apt_get(tmp_path, browser)
    got = _run(tmp_path, uid=0, browser=browser, apt=apt)
    assert got.returncode == 0, got.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith("update")
    assert (
        "install" in calls[1] and "chromium" in calls[1].split() and "fonts-wqy-microhei" in calls[1].split()
    )
    assert browser.exists()


def test_without_root_it_stops_at_once_with_the_one_command(tmp_path):
    browser = tmp_path / "chromium"
    apt, log = _apt_get(tmp_path, browser)
    got = _run(tmp_path, uid=1000, browser=browser, apt=apt)
    assert got.returncode != 0
    assert ONE_COMMAND in got.stderr
    assert not log.exists(), "it must not try apt-get without root"


def test_without_apt_get_it_stops_with_the_one_command(tmp_path):
    got = _run(tmp_path, uid=0, browser=tmp_path / "chromium", apt=None)
    assert got.returncode != 0
    assert ONE_COMMAND in got.stderr


def test_when_apt_get_does_not_bring_chromium_it_says_so_and_stops(tmp_path):
    browser = tmp_path / "chromium"
    apt = tmp_path / "apt-get"
    apt.write_text("#!/bin/sh\nexit 0\n")
    apt.chmod(0o755)
    got = _run(tmp_path, uid=0, browser=browser, apt=apt)
    assert got.returncode != 0
    assert "still missing" in got.stderr and ONE_COMMAND in got.stderr
