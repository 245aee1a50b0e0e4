"""Who writes: explicit argument, then environment, then config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from osint_kit import Examiner
from osint_kit.errors import ExaminerNotConfigured, InvalidExaminer
from osint_kit.record import resolve_examiner
from osint_kit.record.examiner import config_path, save_examiner


def test_nothing_set_is_refused_with_directions() -> None:
    with pytest.raises(ExaminerNotConfigured) as err:
        resolve_examiner()
    assert str(config_path()) in str(err.value)


def test_config_file_round_trip() -> None:
    who = Examiner(name='Ana "AJ" Núñez', id="B-77", agency="Policía \\ Norte")
    path = save_examiner(who)
    assert path == config_path() and path.read_text().startswith("[examiner]")
    assert resolve_examiner() == who


def test_environment_beats_config(monkeypatch: pytest.MonkeyPatch) -> None:
    save_examiner(Examiner("From File", "F-1", "File PD"))
    monkeypatch.setenv("OSINT_KIT_EXAMINER_NAME", "From Env")
    monkeypatch.setenv("OSINT_KIT_EXAMINER_ID", "E-1")
    monkeypatch.setenv("OSINT_KIT_EXAMINER_AGENCY", "Env PD")
    assert resolve_examiner().name == "From Env"
    explicit = Examiner("Explicit", "X-1", "Arg PD")
    assert resolve_examiner(explicit) is explicit


def test_partial_environment_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSINT_KIT_EXAMINER_NAME", "Only Name")
    with pytest.raises(InvalidExaminer, match="OSINT_KIT_EXAMINER_ID"):
        resolve_examiner()


@pytest.mark.parametrize("text", ["not toml [", "[other]\nname='x'\n", "[examiner]\nname='x'\n"])
def test_bad_config_file(text: str) -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(InvalidExaminer, match=str(path).replace("\\", "\\\\")):
        resolve_examiner()


@pytest.mark.parametrize("kw", [{"name": ""}, {"id": "  "}, {"agency": "a\nb"}])
def test_examiner_fields_are_checked(kw: dict[str, str]) -> None:
    args = {"name": "N", "id": "I", "agency": "A", **kw}
    with pytest.raises(InvalidExaminer):
        Examiner(**args)


def test_actor_adds_os_user_and_host(tmp_path: Path) -> None:
    actor = Examiner("N", "I", "A").actor()
    assert set(actor) == {"id", "name", "agency", "os_user", "host"}
