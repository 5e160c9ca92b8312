"""The environment check that `make` runs before anything else (scripts/check_env.py)."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_env.py"
spec = importlib.util.spec_from_file_location("check_env", SCRIPT)
check_env = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_env)


def test_the_projects_environment_matches_its_requirements():
    assert list(check_env.problems()) == []


def test_a_wrong_version_and_a_missing_package_are_named(tmp_path):
    (tmp_path / "runtime.txt").write_text(
        "# comment\ntorch==1.12.0\nsurely-not-installed-package==1.0\nnumpy\n"
    )
    found = list(check_env.problems(tmp_path))
    assert any(p.startswith("torch is 2.") and "wanted 1.12.0" in p for p in found), found
    assert "surely-not-installed-package is missing (wanted 1.0, from runtime.txt)" in found
    assert len(found) == 2
