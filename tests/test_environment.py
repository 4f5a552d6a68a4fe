"""environment.yml is the one place where versions are pinned; everything else agrees."""

import os
import platform
import re
import subprocess
import sys
from importlib import metadata

import yaml

from course_utils.environment import EXPECTED
from notebook_rules import ROOT

sys.path.insert(0, str(ROOT))
import course  # noqa: E402  (the launcher lives at the top of the repository)

ENV = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def yaml_pip_lines():
    (pip,) = [d["pip"] for d in ENV["dependencies"] if isinstance(d, dict)]
    return pip


def test_the_pip_path_installs_exactly_the_environment_yml_lines():
    assert course.pip_requirements() == yaml_pip_lines()


def test_every_requirement_is_pinned_exactly_or_is_the_course_package():
    for line in yaml_pip_lines():
        assert line == "-e ." or re.match(r"^[A-Za-z0-9_.-]+==[\w.]+(;.+)?$", line), line


def test_doctor_expects_the_pinned_versions():
    pins = {}
    for line in yaml_pip_lines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([\w.]+)(?:; *(.*))?$", line)
        if m and (m[3] is None or "python_version >=" in m[3] or "sys_platform" in m[3]):
            pins[m[1].replace("-cpu", "")] = m[2]
    for dist, version in EXPECTED.items():
        assert pins.get(dist) == version, (
            f"doctor expects {dist} {version}, environment.yml pins {pins.get(dist)}")


def test_this_environment_has_the_pinned_versions():
    if sys.version_info[:2] == (3, 10):
        return  # Python 3.10 gets the older pins on purpose
    for dist, version in EXPECTED.items():
        names = [dist, f"{dist}-cpu"] if dist == "tensorflow" else [dist]
        found = {n: metadata.version(n) for n in names if _installed(n)}
        assert version in found.values(), f"{dist}: installed {found}, pinned {version}"


def _installed(name):
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def test_conda_python_is_in_the_supported_range():
    (python,) = [d for d in ENV["dependencies"] if isinstance(d, str) and d.startswith("python")]
    minor = int(python.split("=")[1].split(".")[1])
    assert 10 <= minor <= 13


def test_launcher_rejects_a_bad_command():
    out = subprocess.run([sys.executable, str(ROOT / "course.py"), "launch"],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "usage: python3 course.py" in out.stderr


def reuse_memory_in_a_fresh_process(**env):
    """Run reuse_memory() in a new Python (TensorFlow not imported yet); return what it
    reported and the allocator variable it left."""
    code = ("import os; from course_utils.environment import reuse_memory; "
            "print(','.join(reuse_memory())); print(os.environ['TF_CPU_ALLOCATOR_USE_BFC'])")
    base = {k: v for k, v in os.environ.items() if k != "TF_CPU_ALLOCATOR_USE_BFC"}
    out = subprocess.run([sys.executable, "-c", code], env={**base, **env}, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    done, value = out.stdout.splitlines()
    return done.split(","), value


def test_reuse_memory_chooses_the_pooling_allocator_before_tensorflow_starts():
    done, value = reuse_memory_in_a_fresh_process()
    assert value == "true" and "TF_CPU_ALLOCATOR_USE_BFC" in done
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert "M_TOP_PAD" in done  # mallopt accepted the setting


def test_reuse_memory_keeps_a_learners_own_allocator_choice():
    done, value = reuse_memory_in_a_fresh_process(TF_CPU_ALLOCATOR_USE_BFC="false")
    assert value == "false" and "TF_CPU_ALLOCATOR_USE_BFC" not in done
