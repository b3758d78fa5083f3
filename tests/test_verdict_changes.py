"""Two versions of real UCDP events (the Minsk II extract), the second with rows deleted,
added, relocated across the ceasefire area's border and re-dated out of the baseline
window: every row is classified as the test changed it, the verdicts change where the
edits must change them, and the rows behind each change are the edited ones."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from cli_inprocess import EXAMPLES, run_cli, run_cli_output
from revision_versions import (
    AS_OF,
    BASELINE,
    Revision,
    revise,
    ucdp_day,
    version_folder,
    write_rows,
)
from treatyline.bundle import load_bundle
from treatyline.errors import EventDataError, UsageError
from treatyline.incidents import Incidents
from treatyline.row_changes import diff_rows
from treatyline.sources import read_events
from treatyline.version_diff import VersionComparison, compare_versions

MINSK = EXAMPLES / "minsk-2015"
ISTANBUL = EXAMPLES / "istanbul-2022"
CONFLICT_OBLASTS = {"Donetsk oblast", "Luhansk oblast"}


@pytest.fixture(scope="module")
def revision() -> Revision:
    return revise()


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory, revision: Revision) -> Path:
    return version_folder(tmp_path_factory.mktemp("versions"), revision)


@pytest.fixture(scope="module")
def compared(versions: Path) -> VersionComparison:
    return compare_versions(load_bundle(MINSK), versions, AS_OF, known_from=date(2015, 5, 1),
                            known_to=date(2015, 7, 1))


def _read(*files: Path) -> Incidents:
    return Incidents.concat(read_events(f).incidents for f in files)


def test_every_row_is_classified_as_the_test_changed_it(versions: Path,
                                                        revision: Revision) -> None:
    before = _read(versions / "ged@2015-05-01.csv")
    after = _read(*sorted((versions / "obtained=2015-07-01").glob("*.csv")))
    rows = diff_rows(before, after)

    def ids(table: Incidents, indices: object) -> set[str]:
        return set(table.column("id").take(indices).to_pylist())

    assert ids(before, rows.deleted) == revision.deleted
    assert ids(after, rows.added) == revision.added
    assert ids(after, rows.matched_after[rows.moved]) == revision.relocated
    assert ids(after, rows.matched_after[rows.redated]) == revision.redated
    assert ids(after, rows.matched_after[rows.other]) == revision.otherwise
    classes = dict(rows.classes())
    assert {i for i, c in classes.items() if c == ("moved",)} == revision.relocated
    assert {i for i, c in classes.items() if c == ("deleted",)} == revision.deleted
    assert rows.counts() == {
        "added": 4, "deleted": 10, "moved": len(revision.relocated),
        "redated": len(revision.redated), "other": 3,
        "unchanged": len(revision.original) - 10 - len(revision.relocated)
        - len(revision.redated) - 3,
        "rows_before": len(revision.original), "rows_after": len(revision.revised)}


def test_the_verdicts_change_where_the_edits_must_change_them(
        compared: VersionComparison, revision: Revision) -> None:
    verdicts = {p: (a, b) for p, a, b in compared.comparison.commitments}
    # The test's own count: rows wholly inside the baseline window after the revision.
    in_baseline = [r for r in revision.revised
                   if BASELINE[0] <= ucdp_day(r["date_start"])
                   and ucdp_day(r["date_end"]) <= BASELINE[1]]
    assert in_baseline == []
    # Every row dated from the ceasefire to the as-of day now lies in Lviv, placed to the
    # town, far outside Donetsk and Luhansk: nothing left violates the ceasefire.
    assert verdicts["ceasefire"] == ("violated", "kept")
    # An empty baseline is fewer than the ten events a reduction needs to be measured.
    assert verdicts["ceasefire-reduction"] == ("kept", "undetermined")
    for withdrawal in ("withdrawal-artillery", "withdrawal-mlrs", "withdrawal-heavy-systems"):
        assert verdicts[withdrawal] == ("undetermined", "undetermined")
    changes = {c.provision: c for c in compared.comparison.changes}
    assert changes["ceasefire"].figures["baseline_events"][1] == 0
    assert changes["ceasefire"].figures["violations"][1] == 0
    assert compared.comparison.verdicts_changed


def test_the_rows_behind_each_change_are_the_edited_ones(
        compared: VersionComparison, revision: Revision) -> None:
    changes = {c.provision: c for c in compared.comparison.changes}
    edited = revision.relocated | revision.redated
    ceasefire = {row.id: row for row in changes["ceasefire"].rows}
    assert set(ceasefire) <= edited
    # the violations the earlier version lists were all relocated, and are named
    (earlier,) = [c for c in compared.before.commitments if c.provision == "ceasefire"]
    violating = {v.id for v in earlier.violations}
    assert violating and violating <= revision.relocated
    assert violating <= set(ceasefire)
    # every re-dated row of the two oblasts was in the baseline window the figures count
    redated_in_area = {r["id"] for r in revision.original
                       if r["id"] in revision.redated and r["adm_1"] in CONFLICT_OBLASTS
                       and BASELINE[0] <= ucdp_day(r["date_start"])
                       and ucdp_day(r["date_end"]) <= BASELINE[1]}
    assert redated_in_area and redated_in_area <= set(ceasefire)
    for row_id, row in ceasefire.items():
        assert row.changes == (("moved",) if row_id in revision.relocated else ("redated",))
        assert row.before is not None and row.after is not None
    moved = next(row for row in ceasefire.values() if row.changes == ("moved",))
    assert moved.after is not None and (moved.after["longitude"], moved.after["latitude"]) \
        == (24.03, 49.84)
    # the withdrawal figures count events near the line after the deadline: only moved rows
    for withdrawal in ("withdrawal-artillery", "withdrawal-mlrs", "withdrawal-heavy-systems"):
        change = changes[withdrawal]
        assert change.figures["other_kinds_within"][1] == 0
        assert change.rows and {row.id for row in change.rows} <= revision.relocated
    # rows deleted, added or otherwise changed lie before every window or, the one added
    # in the ceasefire's first week, outside its area and before the withdrawal deadline:
    # behind no change
    behind = {row.id for change in changes.values() for row in change.rows}
    assert not behind & (revision.deleted | revision.added | revision.otherwise)


def test_an_unchanged_dataset_changes_nothing(tmp_path: Path, revision: Revision) -> None:
    folder = tmp_path / "ged"
    write_rows(folder / "ged@2015-05-01.csv", revision.header, revision.original)
    shutil.copyfile(folder / "ged@2015-05-01.csv", folder / "ged@2015-06-01.csv")
    found = compare_versions(load_bundle(MINSK), folder, AS_OF, known_from=None,
                             known_to=None)
    assert found.comparison.rows["unchanged"] == len(revision.original)
    assert found.comparison.changes == () and found.comparison.changed_rows == ()
    assert all(a == b for _, a, b in found.comparison.commitments)
    assert "no verdict or figure changed" in found.lines()


def test_an_obligation_follows_its_occasion_rows(tmp_path: Path) -> None:
    """Istanbul 2022 (hypothetical scenario events): the attack of 2023-10-03 on Kharkiv,
    moved to Simferopol (outside the guarantee's scope), sets off no consultation."""
    source = ISTANBUL / "scenario-events.csv"
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    moved_ids = {"hyp-2023-10-03-kharkiv", "hyp-2023-10-04-kharkiv"}
    revised = [dict(r, longitude="34.10", latitude="44.95") if r["id"] in moved_ids else r
               for r in rows]
    folder = tmp_path / "events"
    write_rows(folder / "scenario@2023-11-01.csv", header, rows)
    write_rows(folder / "scenario@2023-12-01.csv", header, revised)
    found = compare_versions(load_bundle(ISTANBUL, scenario=True), folder, date(2023, 12, 31),
                             known_from=None, known_to=None, scenario=True,
                             mapping=ISTANBUL / "scenario-events.mapping.yaml")
    before = [o for o in found.before.obligations if o.occasion.endswith("#1")]
    occasion = next(o for o in found.before.occasions if o.id == "consultation#1")
    assert occasion.day == date(2023, 10, 3) and set(occasion.incidents) == moved_ids
    gone = [c for c in found.comparison.changes if c.kind == "obligation"
            and c.subject.endswith("occasion of 2023-10-03")]
    assert gone and len(gone) == len(before)
    for change in gone:
        assert change.after is None and change.before is not None
        assert {row.id for row in change.rows} == moved_ids
        assert all(row.changes == ("moved",) for row in change.rows)
    assert sum(found.comparison.obligations[0].values()) - len(before) == \
        sum(found.comparison.obligations[1].values())
    each = found.to_json()["obligations"]["each"]
    assert len(each) == sum(found.comparison.obligations[0].values())
    assert sorted((e["provision"], e["bearer"]) for e in each
                  if e["occasion_date"] == "2023-10-03" and e["after"] is None) == sorted(
        (o.provision, o.bearer) for o in before)


# --- the command line --------------------------------------------------------------------


def test_events_diff_prints_rows_and_changed_verdicts(
        versions: Path, revision: Revision, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("events", "diff", MINSK, "--events", versions, "--as-of", AS_OF.isoformat())
    code, out, _ = run_cli_output(capsys, *args, "--json")
    assert code == 0
    found = json.loads(out)
    assert (found["from"]["version"], found["to"]["version"]) == (
        "ged@2015-05-01.csv", "obtained=2015-07-01")
    assert found["rows"]["moved"] == len(revision.relocated)
    listed = {row["id"]: row["changes"] for row in found["changed_rows"]}
    assert {i for i, c in listed.items() if c == ["deleted"]} == revision.deleted
    assert {i for i, c in listed.items() if c == ["added"]} == revision.added
    (ceasefire,) = [c for c in found["changes"] if c["provision"] == "ceasefire"]
    assert (ceasefire["before"], ceasefire["after"], ceasefire["verdict_changed"]) == (
        "violated", "kept", True)
    assert ceasefire["figures"]["violations"]["after"] == 0
    table = {c["provision"]: c for c in found["commitments"]}
    assert table["ceasefire"]["figures"]["before"]["violations"] == \
        ceasefire["figures"]["violations"]["before"] > 0
    assert table["withdrawal-artillery"]["changed"] is False
    code, out, _ = run_cli_output(capsys, *args, "--from", "2015-06-30", "--to", "2015-07-01")
    assert code == 0
    assert (f"rows: {len(revision.original)} → {len(revision.revised)}: 4 added, 10 deleted, "
            f"{len(revision.relocated)} moved, {len(revision.redated)} re-dated, 3 otherwise "
            "changed") in out
    assert "  commitment ceasefire: violated → kept" in out
    assert "(--json lists every one)" in out


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2015-07-01", "--to", "2015-05-01"), "error: --from 2015-07-01 is after --to "
                                                     "2015-05-01"),
    (("--to", "2015-06-01"), "error: no version older than ged@2015-05-01.csv (obtained "
                             "2015-05-01) to compare it with; give --from"),
    (("--from", "2015-04-01"), "error: --from 2015-04-01: no version of this dataset"),
    (("--to", "1 July"), "error: --to: '1 July' is not a date in the form YYYY-MM-DD"),
])
def test_events_diff_refuses_bad_days(versions: Path, capsys: pytest.CaptureFixture[str],
                                      args: tuple[str, ...], message: str) -> None:
    code, err = run_cli(capsys, "events", "diff", MINSK, "--events", versions, *args)
    assert code == 1 and message in err and "Traceback" not in err


def test_events_diff_needs_its_version_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_cli(capsys, "events", "diff", MINSK)
    assert code == 2


def test_an_id_repeated_in_one_version_cannot_be_matched(tmp_path: Path,
                                                         revision: Revision) -> None:
    folder = tmp_path / "ged"
    write_rows(folder / "ged@2015-05-01.csv", revision.header, revision.original)
    for part in ("a", "b"):  # each part reads alone, but together they repeat every id
        write_rows(folder / "obtained=2015-06-01" / f"{part}.csv", revision.header,
                   revision.original[:5])
    with pytest.raises(EventDataError) as error:
        compare_versions(load_bundle(MINSK), folder, AS_OF, known_from=None, known_to=None)
    assert str(error.value).startswith("error: obtained=2015-06-01: 5 event id(s) occur more "
                                       "than once")


def test_a_single_version_has_nothing_to_compare(tmp_path: Path, revision: Revision) -> None:
    folder = tmp_path / "ged"
    write_rows(folder / "ged@2015-05-01.csv", revision.header, revision.original)
    with pytest.raises(UsageError, match="no version older than"):
        compare_versions(load_bundle(MINSK), folder, AS_OF, known_from=None, known_to=None)


def test_the_values_of_a_changed_row_are_those_the_row_holds() -> None:
    """Every kind of date (a day, a period, a time of day) and every missing value is shown
    as the row itself (`Incidents.row`) gives it."""
    before = Incidents.from_columns(
        id=["day", "period", "timed", "gone"],
        time=[date(2015, 2, 1), date(2015, 2, 2), datetime(2015, 2, 3, 14, 30, tzinfo=UTC),
              date(2015, 2, 4)],
        time_end=[date(2015, 2, 2), date(2015, 2, 6), datetime(2015, 2, 3, 14, 31, tzinfo=UTC),
                  date(2015, 2, 5)],
        kind=["clash", "shelling", "airstrike", "other"], longitude=[37.8, 38.4, 39.0, 30.5],
        latitude=[48.0, 48.3, 48.9, 50.4], radius_km=[1.0, float("nan"), 25.0, 1.0],
        fatalities_best=[2.0, float("nan"), 0.0, 1.0], place=["Donetsk", "", "Luhansk", "Kyiv"])
    moved = before.to_arrow().set_column(
        before.to_arrow().schema.get_field_index("latitude"), "latitude",
        pa.array([48.5, 48.6, 49.0, 50.4]))
    after = Incidents.from_arrow(moved.slice(0, 3))
    rows = diff_rows(before, after)
    changes = rows.describe(range(4), ())
    assert [(c.id, c.changes) for c in changes] == [
        ("day", ("moved",)), ("period", ("moved",)), ("timed", ("moved",)),
        ("gone", ("deleted",))]
    for index, change in enumerate(changes):
        for table, values in ((before, change.before), (after, change.after)):
            if values is None:
                assert change.changes == ("deleted",) and table is after
                continue
            row = table.row(index)
            assert values == {
                "date": row.when(), "longitude": row.longitude, "latitude": row.latitude,
                "location_precision": row.location_precision, "radius_km": row.radius_km,
                "kind": row.kind, "place": row.place, "admin1": row.admin1,
                "fatalities": row.fatalities_best}


def test_a_change_caused_only_by_deleted_rows_lists_them(tmp_path: Path,
                                                          revision: Revision) -> None:
    """Rows deleted from the ceasefire's window and nothing else: the verdict's figures
    fall, and the rows behind the change are the deleted ones (with no 'after' values)."""
    in_window = [row for row in revision.original
                 if ucdp_day(row["date_start"]) > date(2015, 2, 15)
                 and ucdp_day(row["date_end"]) <= AS_OF]
    gone = {row["id"] for row in in_window[::2]}
    folder = tmp_path / "ged"
    write_rows(folder / "ged@2015-05-01.csv", revision.header, revision.original)
    write_rows(folder / "ged@2015-06-01.csv", revision.header,
               [row for row in revision.original if row["id"] not in gone])
    found = compare_versions(load_bundle(MINSK), folder, AS_OF, known_from=None,
                             known_to=None)
    assert found.comparison.rows["deleted"] == len(gone)
    ceasefire = next(change for change in found.comparison.changes
                     if change.provision == "ceasefire")
    behind = {row.id for row in ceasefire.rows}
    assert behind and behind <= gone
    assert all(row.after is None and row.before is not None for row in ceasefire.rows)
