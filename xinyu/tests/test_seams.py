"""The public-seams contract (issue 17, item 2): an app takes from another only public names, never its views."""

from __future__ import annotations

from pathlib import Path

from xinyu.seams import seam_breaches

ROOT = Path(__file__).resolve().parents[2]
APPS = ["org", "access", "xinyu", "care", "screening", "counseling", "schoolwork", "supervision"]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_private_name_or_views_of_another_app_is_a_breach(tmp_path):
    root = _tree(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/selectors.py": "def _state(): ...\ndef state(): ...\n",
            "low/views.py": "def page(): ...\n",
            "high/__init__.py": "",
            "high/a.py": "from low.selectors import _state\n",
            "high/b.py": "from low import views\n",
            "high/c.py": "import low.selectors as sel\n\ndef f():\n    return sel._state()\n",
            "high/d.py": "def f():\n    from low.views import page\n    return page\n",
            "high/ok.py": "from low.selectors import state\nfrom low import selectors\nselectors.state()\n",
            "low/own.py": "from low.selectors import _state\nfrom low import views\n",
        },
    )

    found = {(b.importer, b.imported) for b in seam_breaches(root, ["low", "high"])}

    assert found == {
        ("high.a", "low.selectors._state"),
        ("high.b", "low.views"),
        ("high.c", "low.selectors._state"),
        ("high.d", "low.views.page"),
    }


def test_the_apps_keep_their_seams_public():
    breaches = seam_breaches(ROOT, APPS)

    assert not breaches, "\n".join(map(str, breaches))
