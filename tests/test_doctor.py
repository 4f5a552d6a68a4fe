from course_utils import environment as doctor_module
from course_utils.environment import doctor


def test_doctor_reports_every_area_and_passes_here(capsys):
    problems = doctor()
    out = capsys.readouterr().out
    for label in ("Python", "tensorflow", "keras", "Keras backend", "CPU cores", "GPU", "RAM",
                  "profile", "data folder", "Flowers-17", "MovieLens 100K"):
        assert label in out, f"doctor() does not report {label}"
    assert problems == 0, out
    assert "All checks passed." in out


def test_doctor_gives_a_fix_for_a_wrong_version(monkeypatch, capsys):
    monkeypatch.setitem(doctor_module.EXPECTED, "keras", "9.9.9")
    assert doctor() == 1
    out = capsys.readouterr().out
    assert "[FIX] keras" in out and "→ outputs may differ" in out


def test_doctor_flags_a_missing_local_dataset_folder(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("FLOWERS17_DIR", str(tmp_path / "nowhere"))
    assert doctor() >= 1
    assert "point FLOWERS17_DIR at the unpacked folder" in capsys.readouterr().out


def test_doctor_flags_an_unknown_profile(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "turbo")
    assert doctor() == 1
    assert "Valid profiles" in capsys.readouterr().out
