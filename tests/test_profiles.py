import pytest

from course_utils import profiles


def test_quick_is_the_default(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert profiles.active_profile() == "quick"
    assert profiles.settings().name == "quick"


def test_full_is_selected_by_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", " Full ")
    assert profiles.settings().name == "full"


def test_an_unknown_profile_names_the_valid_ones(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"COURSE_PROFILE='fast'.*'quick', 'full'"):
        profiles.settings()


def test_both_profiles_define_the_same_sizes():
    quick, full = (set(profiles.PROFILES[p]) for p in ("quick", "full"))
    assert quick == full, f"only in one profile: {sorted(quick ^ full)}"


def test_an_unknown_setting_is_a_clear_error():
    with pytest.raises(AttributeError, match="no_such_size"):
        _ = profiles.settings("quick").no_such_size


def test_headline_figures_live_in_the_readme_only():
    """profiles.py states no result or duration (they were told differently in several
    places); it points to the README's "Profiles" section, which holds them."""
    import re
    from pathlib import Path

    docs = [profiles.__doc__, profiles.active_profile.__doc__, profiles.settings.__doc__]
    figure = re.compile(r"\d+\s*(%|percent|minutes?|min\b|s\b|seconds?)|->\s*\d")
    for doc in docs:
        assert not figure.search(doc), figure.search(doc).group(0)
    assert '"Profiles" section' in profiles.__doc__
    readme = (Path(profiles.__file__).resolve().parent.parent / "README.md").read_text(
        encoding="utf-8")
    section = readme.split("\n## Profiles\n", 1)[1].split("\n## ", 1)[0]
    assert "%" in section and "minute" in section
