"""Set up, launch and test the course with nothing but Python >= 3.10 and pip.

    python3 course.py lab     # create .venv on first use, prepare the data, open JupyterLab
    python3 course.py lab --learner   # the same, on the learner copies (no solutions)
    python3 course.py test    # lint, unit tests and every notebook under nbval
    python3 course.py nav     # regenerate the README's course map and notebook navigation
    python3 course.py doctor  # print the environment check
    python3 course.py learner-copies  # notebooks/learner/: no solutions, no outputs
    python3 course.py benchmark       # python -m course_utils.benchmark (notebook 08)
    python3 course.py site            # build/site/: the course as a static website

On Windows write ``py`` for ``python3``. In an environment that already has the
course's packages (conda, Binder) nothing is installed: that environment is used.
"""

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ENV_FILE = ROOT / "environment.yml"
VENV = ROOT / ".venv"
SUPPORTED = ((3, 10), (3, 13))


def pip_requirements(text=None):
    """The requirement lines of environment.yml's ``pip:`` section, comments removed."""
    text = ENV_FILE.read_text(encoding="utf-8") if text is None else text
    lines, in_pip, pip_indent = [], False, None
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        indent = len(line) - len(line.lstrip())
        if line.strip() == "- pip:":
            in_pip, pip_indent = True, indent
            continue
        if in_pip:
            if indent <= pip_indent:
                in_pip = False
                continue
            item = line.strip()
            if not item.startswith("- "):
                raise SystemExit(f"{ENV_FILE.name}: cannot read pip line {raw!r}")
            lines.append(item[2:].strip())
    if not lines:
        raise SystemExit(f"{ENV_FILE.name} has no pip: section; the course cannot install")
    return lines


def _venv_python():
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def _current_env_is_ready():
    """True when this interpreter already has the course's packages (conda, Binder)."""
    return (all(_has(d) for d in ("keras", "nbval", "jupyterlab", "course-utils"))
            and any(_has(d) for d in ("tensorflow", "tensorflow-cpu")))


def _has(dist):
    from importlib import metadata

    try:
        metadata.version(dist)
        return True
    except metadata.PackageNotFoundError:
        return False


def ensure_env():
    """Return the Python to run the course with, creating .venv on first use."""
    if not (SUPPORTED[0] <= sys.version_info[:2] <= SUPPORTED[1]):
        raise SystemExit(
            f"Python {sys.version.split()[0]} is not supported: the course needs 3.10–3.13 "
            "(TensorFlow 2.21 has no wheels for others). Install Python 3.11 and run this again."
        )
    if sys.prefix != sys.base_prefix and Path(sys.prefix) != VENV and _current_env_is_ready():
        return Path(sys.executable)  # an activated environment that has everything
    if os.environ.get("CONDA_PREFIX") and _current_env_is_ready():
        return Path(sys.executable)
    reqs = pip_requirements()
    stamp_value = hashlib.sha256("\n".join(reqs).encode()).hexdigest()[:16]
    stamp = VENV / ".course-env"
    python = _venv_python()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == stamp_value:
        return python
    if not python.exists():
        print(f"[course] creating the environment in {VENV} (first run only) ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    req_file = VENV / "requirements-from-environment-yml.txt"
    req_file.write_text("\n".join(reqs) + "\n", encoding="utf-8")
    print("[course] installing the packages pinned in environment.yml ...", flush=True)
    _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([python, "-m", "pip", "install", "--quiet", "-r", str(req_file)])
    stamp.write_text(stamp_value + "\n")
    return python


def _run(cmd, env=None, check=True):
    print("[course] $", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if check and result.returncode != 0:
        raise SystemExit(result.returncode)
    return result.returncode


def _is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


# JupyterLab's own page config, for the course's launch only (the learner's settings are
# not touched): no "get notified about official Jupyter news?" pop-up over the notebook,
# and no update check. (In JupyterLab 4.6, --LabApp.news_url=None stops fetching the news
# but still shows the pop-up: the announcements plugin must be disabled.)
LAB_PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


def lab_arguments(args, learner=False, root=None):
    """The command line after ``python -m jupyterlab`` for ``course.py lab [args]``:
    serve notebooks/ (notebooks/learner/ for the learner copies), open the first
    notebook, and as root add ``--allow-root`` (JupyterLab refuses to start without it)."""
    root = _is_root() if root is None else root
    folder = ROOT / "notebooks" / ("learner" if learner else "")
    first = "00_start_here_exercises.ipynb" if learner else "00_start_here.ipynb"
    extra = ["--allow-root"] if root and "--allow-root" not in args else []
    return [f"--ServerApp.root_dir={folder}", str(folder / first), *extra, *args]


def lab_environment(config_dir):
    """The environment JupyterLab runs in: ``config_dir`` (holding the course's page
    config, ``LAB_PAGE_CONFIG``) comes first on JUPYTER_CONFIG_PATH."""
    labconfig = Path(config_dir) / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps(LAB_PAGE_CONFIG, indent=1) + "\n")
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        p for p in (str(config_dir), env.get("JUPYTER_CONFIG_PATH")) if p)
    return env


def cmd_lab(args):
    learner = "--learner" in args
    args = [a for a in args if a != "--learner"]
    python = ensure_env()
    print("[course] preparing the datasets (real where available, else generated) ...",
          flush=True)
    if _run([python, "-m", "course_utils", "prepare"], check=False):
        print("[course] the data could not be prepared (see above); the notebooks will "
              "retry, and fall back to generated data.", flush=True)
    if learner:  # missing copies only: a learner's answers in existing ones are kept
        _run([python, "-m", "course_utils.learner", "--keep-existing"])
    arguments = lab_arguments(args, learner)
    if "--allow-root" in arguments and "--allow-root" not in args:
        print("[course] running as root (common in containers): starting JupyterLab with "
              "--allow-root", flush=True)
    with tempfile.TemporaryDirectory(prefix="course-jupyter-config-") as config_dir:
        _run([python, "-m", "jupyterlab", *arguments], env=lab_environment(config_dir))


def cmd_test(args):
    python = ensure_env()
    # tests/conftest.py fixes the test settings (quick profile, no downloads, quiet TF).
    status = _run([python, "-m", "ruff", "check", "course_utils", "tests", "notebooks",
                   "course.py"], check=False)
    if status:
        print("[course] ruff found problems (see above); fix them, or `ruff check --fix`.")
        return status
    status = _run([python, "-m", "pytest", "--durations=15", *args], check=False)
    if status == 5:
        print("[course] pytest collected no tests: that is a failure here, not a pass.")
        return 1
    return status


def cmd_nav(args):
    python = ensure_env()
    code = "from course_utils.course_map import sync; sync(write=True)"
    return _run([python, "-c", code], check=False)


def cmd_doctor(args):
    python = ensure_env()
    return _run([python, "-m", "course_utils", "doctor"], check=False)


def cmd_benchmark(args):
    python = ensure_env()
    return _run([python, "-m", "course_utils.benchmark", *args], check=False)


def cmd_learner_copies(args):
    python = ensure_env()
    return _run([python, "-m", "course_utils.learner", *args], check=False)


def cmd_site(args):
    python = ensure_env()
    return _run([python, "-m", "course_utils.site", *args], check=False)


COMMANDS = {"lab": cmd_lab, "test": cmd_test, "nav": cmd_nav, "doctor": cmd_doctor,
            "learner-copies": cmd_learner_copies, "benchmark": cmd_benchmark, "site": cmd_site}


def check_profile():
    """Stop with ``settings()``'s message when COURSE_PROFILE names no profile. Loads
    course_utils/profiles.py by path: this runs before .venv exists (no numpy, no keras)."""
    spec = importlib.util.spec_from_file_location("_course_profiles",
                                                  ROOT / "course_utils" / "profiles.py")
    profiles = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profiles)
    try:
        return profiles.active_profile()
    except ValueError as err:
        raise SystemExit(f"[course] {err}") from None


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        names = ", ".join(COMMANDS)
        print(__doc__)
        return f"usage: python3 course.py {{{names}}} [extra arguments]" if argv else 0
    check_profile()
    return COMMANDS[argv[0]](argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
