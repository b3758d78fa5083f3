"""Version folders: the versions of one dataset side by side, each tagged with the day it
was obtained, and `assess --known-on`: the verdict on the data as known on a day. Bad
folders and manifests exit 1 with every problem located."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from cli_inprocess import EXAMPLES, run_cli, run_cli_output
from revision_versions import AS_OF, MINSK_EVENTS, revise, version_folder, write_rows
from treatyline.errors import EventDataError, UsageError
from treatyline.revisions import (
    dataset_versions,
    parse_known_on,
    select_events,
    version_known_on,
)

MINSK = EXAMPLES / "minsk-2015"


def _copy(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(MINSK_EVENTS, folder / name))


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return version_folder(tmp_path_factory.mktemp("versions"), revise())


def test_versions_are_read_from_names_and_partitions_oldest_first(versions: Path) -> None:
    found = dataset_versions(versions)
    assert [(v.name, v.obtained) for v in found] == [
        ("ged@2015-05-01.csv", date(2015, 5, 1)), ("obtained=2015-07-01", date(2015, 7, 1))]
    assert found[0].files == (versions / "ged@2015-05-01.csv",)
    partition = versions / "obtained=2015-07-01"
    assert found[1].files == (partition / "part-0.csv", partition / "part-1.csv")


@pytest.mark.parametrize(("known_on", "expected"), [
    (date(2015, 5, 1), "ged@2015-05-01.csv"),   # obtained that day: known that day
    (date(2015, 6, 30), "ged@2015-05-01.csv"),  # the later one did not exist yet
    (date(2015, 7, 1), "obtained=2015-07-01"),
    (date(2030, 1, 1), "obtained=2015-07-01"),
    (None, "obtained=2015-07-01"),              # no day: the latest
])
def test_the_version_known_on_a_day_is_the_latest_obtained_by_then(
        versions: Path, known_on: date | None, expected: str) -> None:
    assert version_known_on(dataset_versions(versions), known_on, versions).name == expected
    selection = select_events([versions], known_on)
    assert [v.name for v in selection.versions] == [expected]


def test_a_day_before_every_version_names_the_earliest(versions: Path) -> None:
    with pytest.raises(UsageError) as error:
        select_events([versions], date(2015, 4, 30))
    (problem,) = error.value.diagnostics
    assert str(problem) == (
        f"{versions}: error: --known-on 2015-04-30: no version of this dataset had been "
        "obtained by then; the earliest is ged@2015-05-01.csv (obtained 2015-05-01)")


def test_plain_files_pass_as_they_are_but_carry_no_known_on_day(tmp_path: Path) -> None:
    plain = _copy(tmp_path, "events.csv")
    assert select_events([plain], None).files == (plain,)
    with pytest.raises(UsageError, match="carries no day on which it was obtained"):
        select_events([plain], date(2015, 5, 1))
    with pytest.raises(UsageError, match="name a version folder with --events"):
        select_events([], date(2015, 5, 1))


def test_a_manifest_tags_files_whose_names_cannot_change(tmp_path: Path) -> None:
    folder = tmp_path / "acled"
    _copy(folder, "export.csv")
    _copy(folder / "second", "part.csv")
    (folder / "versions.yaml").write_text(
        "dataset: UCDP GED (Minsk II extract)\n"
        "versions:\n"
        "  - file: export.csv\n"
        "    obtained: 2015-05-01\n"
        "    note: first download\n"
        "  - {file: second, obtained: 2015-06-01}\n", encoding="utf-8")
    found = dataset_versions(folder)
    assert [(v.name, v.obtained, v.note) for v in found] == [
        ("export.csv", date(2015, 5, 1), "first download"),
        ("second", date(2015, 6, 1), "")]
    assert found[1].files == (folder / "second" / "part.csv",)
    assert str(found[0].where) == f"{folder / 'versions.yaml'}:4:15"


def _problems(folder: Path) -> list[str]:
    with pytest.raises(EventDataError) as error:
        dataset_versions(folder)
    return [str(d) for d in error.value.diagnostics]


def test_a_folder_without_dates_is_refused_naming_each_file(tmp_path: Path) -> None:
    folder = tmp_path / "ged"
    untagged = _copy(folder, "ged.csv")
    assert _problems(folder) == [
        f"{untagged}: error: an events file with no day on which it was obtained: name it "
        "ged@YYYY-MM-DD.csv or list it in versions.yaml"]
    (tmp_path / "empty").mkdir()
    assert "none found" in _problems(tmp_path / "empty")[0]


def test_two_versions_of_one_day_are_refused_naming_both(tmp_path: Path) -> None:
    folder = tmp_path / "ged"
    first = _copy(folder, "ged@2015-05-01.csv")
    _copy(folder / "obtained=2015-05-01", "part.csv")
    (problem,) = _problems(folder)
    assert problem.startswith(f"{folder / 'obtained=2015-05-01'}: error: two versions "
                              "obtained on the same day 2015-05-01: ged@2015-05-01.csv "
                              f"({first}) and obtained=2015-05-01")


def test_a_day_that_is_no_date_and_an_empty_partition_are_located(tmp_path: Path) -> None:
    folder = tmp_path / "ged"
    bad_day = _copy(folder, "ged@2015-02-30.csv")
    (folder / "obtained=2015-06-01").mkdir()
    assert _problems(folder) == [
        f"{bad_day}: error: the day a version was obtained: '2015-02-30' is not a real date: "
        "day is out of range for month",
        f"{folder / 'obtained=2015-06-01'}: error: the version obtained=2015-06-01 holds no "
        "events file (.csv, .parquet, .pq, .geojson, .json)"]


def test_a_manifest_that_cannot_be_read_is_located(tmp_path: Path) -> None:
    folder = tmp_path / "ged"
    _copy(folder, "export.csv")
    manifest = folder / "versions.yaml"
    manifest.write_text("versions:\n  - file: export.csv\n    obtained: [2015\n",
                        encoding="utf-8")
    (problem,) = _problems(folder)
    assert problem.startswith(f"{manifest}:4:1: error: YAML syntax")
    manifest.write_text("versions:\n  - file: missing.csv\n    obtained: 2015-05-01\n"
                        "  - file: export.csv\n    obtaned: 2015-05-01\n", encoding="utf-8")
    assert _problems(folder) == [
        f"{manifest}:2:11: error: no file or sub-folder 'missing.csv' in {folder}",
        f"{manifest}:5:5: error: unknown key 'obtaned' in versions.yaml (known: file, "
        "obtained, note) (did you mean 'obtained'?)",
        f"{manifest}:4:5: error: 'obtained' is the day the version was obtained, YYYY-MM-DD"]
    manifest.write_bytes(b"versions: \xff\n")
    assert "invalid UTF-8 byte 0xff" in _problems(folder)[0]


def test_a_manifest_day_must_agree_with_the_name(tmp_path: Path) -> None:
    folder = tmp_path / "ged"
    _copy(folder, "ged@2015-05-01.csv")
    (folder / "versions.yaml").write_text(
        "versions:\n  - {file: ged@2015-05-01.csv, obtained: 2015-05-02}\n", encoding="utf-8")
    assert _problems(folder) == [
        f"{folder / 'versions.yaml'}:2:42: error: ged@2015-05-01.csv is tagged as obtained "
        "on 2015-05-01 by its name but on 2015-05-02 here"]


def test_a_version_must_stay_inside_its_folder(tmp_path: Path) -> None:
    outside = _copy(tmp_path, "elsewhere.csv")
    folder = tmp_path / "ged"
    folder.mkdir()
    (folder / "ged@2015-05-01.csv").symlink_to(outside)
    (problem,) = _problems(folder)
    assert "outside the version folder" in problem


def test_known_on_is_parsed_strictly() -> None:
    assert parse_known_on("2015-05-01") == date(2015, 5, 1)
    assert parse_known_on(None) is None
    with pytest.raises(UsageError) as error:
        parse_known_on("2015-13-01", "--to")
    assert str(error.value) == ("error: --to: '2015-13-01' is not a real date: month must be "
                                "in 1..12")


# --- the command line --------------------------------------------------------------------


def test_assess_known_on_says_which_version_it_read(
        versions: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("assess", MINSK, "--events", versions, "--as-of", AS_OF.isoformat())
    code, out, _ = run_cli_output(capsys, *args, "--known-on", "2015-06-30", "--json")
    found = json.loads(out)
    assert code == 0
    (version,) = found["event_versions"]["versions"]
    assert found["event_versions"]["known_on"] == "2015-06-30"
    assert (version["version"], version["obtained"]) == ("ged@2015-05-01.csv", "2015-05-01")
    assert found["events_read"] == len(revise().original)
    verdicts = {c["provision"]: c["verdict"] for c in found["commitments"]}
    assert verdicts["ceasefire"] == "violated"
    code, out, _ = run_cli_output(capsys, *args)  # no day: the latest version
    assert code == 0
    assert (f"events: {versions}: version obtained=2015-07-01 (obtained 2015-07-01), the "
            "latest version") in out
    assert "Commitment ceasefire (ceasefire): KEPT" in out


def test_assess_without_a_version_folder_keeps_its_json(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli_output(capsys, "assess", MINSK, "--as-of", "2015-03-31", "--json")
    assert code == 0 and "event_versions" not in json.loads(out)


@pytest.mark.parametrize(("args", "message"), [
    (("--known-on", "2015-04-30"), "no version of this dataset had been obtained by then; "
                                   "the earliest is ged@2015-05-01.csv"),
    (("--known-on", "30.04.2015"), "error: --known-on: '30.04.2015' is not a date in the "
                                   "form YYYY-MM-DD"),
])
def test_assess_refuses_a_bad_known_on_day(
        versions: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
        message: str) -> None:
    code, err = run_cli(capsys, "assess", MINSK, "--events", versions, *args)
    assert code == 1 and message in err and "Traceback" not in err


def test_assess_refuses_a_folder_without_dates(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ged"
    untagged = _copy(folder, "ged.csv")
    code, err = run_cli(capsys, "assess", MINSK, "--events", folder, "--as-of", "2015-03-31")
    assert code == 1
    assert f"{untagged}: error: an events file with no day on which it was obtained" in err


def test_report_known_on_reads_the_same_version(
        versions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "minsk.html"
    code, out, _ = run_cli_output(capsys, "report", MINSK, "--events", versions, "--as-of",
                                  "2015-03-31", "--known-on", "2015-05-01", "-o", output)
    assert code == 0 and output.is_file()
    assert "version ged@2015-05-01.csv (obtained 2015-05-01), the latest known on 2015-05-01" \
        in out


def test_a_partitioned_version_reads_every_part(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    revision = revise()
    folder = tmp_path / "ged"
    third = len(revision.original) // 3
    for number, rows in enumerate((revision.original[:third], revision.original[third:])):
        write_rows(folder / "obtained=2015-05-01" / "year=2015" / f"part-{number}.csv",
                   revision.header, rows)
    code, out, _ = run_cli_output(capsys, "assess", MINSK, "--events", folder, "--as-of",
                                  "2015-03-31", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["events_read"] == len(revision.original)
    assert len(found["event_versions"]["versions"][0]["files"]) == 2


def _folder_with(tmp_path: Path, problem: str) -> tuple[Path, str]:
    """A version folder with one problem, and the located message the CLI must print."""
    folder = tmp_path / "ged"
    first = _copy(folder, "ged@2015-05-01.csv")
    if problem == "same day":
        _copy(folder, "ged-again@2015-05-01.csv")
        return folder, (f"{folder / 'ged@2015-05-01.csv'}: error: two versions obtained on "
                        f"the same day 2015-05-01: ged-again@2015-05-01.csv")
    manifest = folder / "versions.yaml"
    manifest.write_text("versions:\n  - {file: ged@2015-05-01.csv, obtained: 2015-05-01\n",
                        encoding="utf-8")
    assert first.is_file()
    return folder, f"{manifest}:3:1: error: YAML syntax"


@pytest.mark.parametrize("command", ["assess", "events diff"])
@pytest.mark.parametrize("problem", ["same day", "unreadable manifest"])
def test_the_commands_refuse_a_bad_folder_with_its_place(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
        problem: str) -> None:
    folder, message = _folder_with(tmp_path, problem)
    code, err = run_cli(capsys, *command.split(), MINSK, "--events", folder, "--as-of",
                        "2015-03-31")
    assert code == 1 and message in err and "Traceback" not in err


def test_events_diff_wants_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(capsys, "events", "diff", MINSK, "--events", MINSK_EVENTS)
    assert code == 1
    assert f"{MINSK_EVENTS}: error: a version folder is a folder holding the versions" in err


def test_the_manifest_documented_is_read_as_documented(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "revisions.md").read_text(
        encoding="utf-8")
    block = doc.split("  ```yaml\n", 1)[1].split("  ```\n", 1)[0]
    folder = tmp_path / "acled"
    _copy(folder, "export.csv")
    _copy(folder / "export-june", "part.csv")
    (folder / "versions.yaml").write_text(
        "\n".join(line.removeprefix("  ") for line in block.splitlines()), encoding="utf-8")
    assert [(v.name, v.obtained, v.note) for v in dataset_versions(folder)] == [
        ("export.csv", date(2022, 5, 2), "downloaded by the mission's analyst"),
        ("export-june", date(2022, 6, 1), "")]
