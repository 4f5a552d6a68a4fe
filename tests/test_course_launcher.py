"""course.py, the launcher: what `lab` passes to JupyterLab (as root and not), the course's
page config that keeps the news pop-up away, and the profile check every command makes
first (with the system Python: profiles.py must need nothing outside the standard library)."""

import ast
import json
import subprocess
import sys

import pytest

from course_utils import profiles
from notebook_rules import ROOT

sys.path.insert(0, str(ROOT))
import course  # noqa: E402  (the launcher lives at the top of the repository)


def test_lab_as_a_normal_user_adds_nothing():
    args = course.lab_arguments(["--no-browser", "--port", "8899"], root=False)
    assert args == [f"--ServerApp.root_dir={ROOT / 'notebooks'}",
                    str(ROOT / "notebooks" / "00_start_here.ipynb"),
                    "--no-browser", "--port", "8899"]


def test_lab_as_root_allows_root_once():
    args = course.lab_arguments(["--no-browser"], root=True)
    assert args.count("--allow-root") == 1 and args[-1] == "--no-browser"
    args = course.lab_arguments(["--allow-root"], root=True)
    assert args.count("--allow-root") == 1


def test_lab_for_learners_serves_the_learner_copies():
    args = course.lab_arguments([], learner=True, root=False)
    learner = ROOT / "notebooks" / "learner"
    assert args == [f"--ServerApp.root_dir={learner}",
                    str(learner / "00_start_here_exercises.ipynb")]
    from course_utils.learner import copy_name

    assert copy_name("00_start_here.ipynb") == "00_start_here_exercises.ipynb"


def test_the_course_page_config_disables_the_news_but_keeps_the_users(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/somewhere/of/yours")
    env = course.lab_environment(tmp_path)
    assert env["JUPYTER_CONFIG_PATH"].split(course.os.pathsep) == [str(tmp_path),
                                                                  "/somewhere/of/yours"]
    config = json.loads((tmp_path / "labconfig" / "page_config.json").read_text())
    assert config["disabledExtensions"] == {
        "@jupyterlab/apputils-extension:announcements": True}


def test_jupyterlab_reads_the_course_page_config(tmp_path):
    """The page config JupyterLab's server builds (jupyterlab_server) includes ours."""
    env = course.lab_environment(tmp_path)
    code = ("from jupyterlab_server.config import get_static_page_config; import json; "
            "print(json.dumps(get_static_page_config()))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    disabled = json.loads(out).get("disabledExtensions", {})
    assert disabled.get("@jupyterlab/apputils-extension:announcements") is True


def test_a_mistyped_profile_stops_every_command_with_settings_message(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "ful")
    with pytest.raises(ValueError) as expected:
        profiles.settings()
    with pytest.raises(SystemExit) as stopped:
        course.main(["lab", "--no-browser"])
    assert str(stopped.value) == f"[course] {expected.value}"
    monkeypatch.setenv("COURSE_PROFILE", "Full")
    assert course.check_profile() == "full"


def test_the_profile_check_runs_before_any_environment_exists():
    out = subprocess.run([sys.executable, "-I", str(ROOT / "course.py"), "doctor"],
                         env={"COURSE_PROFILE": "turbo", "PATH": ""}, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1
    assert "COURSE_PROFILE='turbo' is not a profile of this course" in out.stderr
    assert "[course] $" not in out.stdout  # stopped before creating or running anything


def test_profiles_needs_only_the_standard_library():
    tree = ast.parse((ROOT / "course_utils" / "profiles.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)
