"""Two times in the record: the day an act takes effect (`date`) and the day it became known
(`recorded`). `status(..., as_of=V, known_on=K)` is the law on V as the record stood on K;
an act dated before its receipt counts from its own date once known, not from its receipt.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_inprocess import EXAMPLES, copy_example, run_cli_output
from revision_versions import revise, version_folder
from treatyline.bundle import Bundle, load_bundle
from treatyline.status import status
from treatyline.timeline import timeline

ISTANBUL = EXAMPLES / "istanbul-2022"
NATO = EXAMPLES / "nato-1949"


def _nato_with_late_receipts(tmp_path: Path, recorded: str) -> Path:
    """nato-1949 with the four ratifications dated 1949-08-24 (the day the treaty entered
    into force, a verified fact) recorded on a later day. The delay is made up by this test
    (the reference gives no receipt dates): it stands for a deposit notified late."""
    folder = copy_example(tmp_path, "nato-1949")
    path = folder / "record.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for act in data["acts"]:
        if act["kind"] == "ratification" and str(act["date"]) == "1949-08-24":
            act["recorded"] = recorded
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def test_an_instrument_received_late_counts_from_its_own_date_once_known(
        tmp_path: Path) -> None:
    bundle = load_bundle(_nato_with_late_receipts(tmp_path, "1949-09-10"))
    before = status(bundle.treaty, bundle.record, date(1949, 8, 30),
                    known_on=date(1949, 8, 30))
    assert before.state == "not_in_force"
    assert len(before.not_yet_known) == 4
    after = status(bundle.treaty, bundle.record, date(1949, 8, 30),
                   known_on=date(1949, 9, 10))
    assert after.state == "in_force"
    assert after.in_force_since == date(1949, 8, 24)  # by the acts' date, not their receipt
    assert after.not_yet_known == ()
    # without known_on every act counts: the same answer as known on the last receipt
    assert status(bundle.treaty, bundle.record, date(1949, 8, 30)).to_json() == {
        k: v for k, v in after.to_json().items() if k not in ("known_on", "not_yet_known")}


def test_the_istanbul_draft_of_15_april_is_unknown_until_its_publication() -> None:
    # peace-2022.md §3.1: the draft of 2022-04-15 became known from the WSJ report of
    # 2024-03-01 (recorded: 2024-03-01 in the example's record)
    bundle = load_bundle(ISTANBUL)
    acts = {e.act for e in timeline(bundle.treaty, bundle.record, known_on=date(2023, 1, 1))}
    assert "draft-04-15" not in acts and "ukraine-draft-04-06" in acts
    entries = {e.act: e for e in timeline(bundle.treaty, bundle.record)}
    assert entries["draft-04-15"].day == date(2022, 4, 15)
    assert entries["draft-04-15"].recorded == date(2024, 3, 1)
    assert entries["draft-04-15"].to_json()["recorded"] == "2024-03-01"
    assert entries["ukraine-draft-04-06"].recorded == date(2022, 4, 7)
    assert "recorded" not in entries["pentagon-withdrawal"].to_json()  # known on its day
    early = {e.act for e in timeline(bundle.treaty, bundle.record, known_on=date(2022, 4, 6))}
    assert "ukraine-draft-04-06" not in early and "pentagon-withdrawal" in early


@pytest.fixture(scope="module")
def nato_late(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return load_bundle(_nato_with_late_receipts(tmp_path_factory.mktemp("nato"), "1949-09-10"))


@settings(max_examples=40, deadline=None)
@given(known=st.integers(0, 60), as_of=st.integers(0, 60))
def test_known_on_counts_exactly_the_acts_recorded_by_then(
        nato_late: Bundle, known: int, as_of: int) -> None:
    bundle = nato_late
    known_on = date(1949, 8, 1) + timedelta(days=known)
    day = date(1949, 8, 1) + timedelta(days=as_of)
    result = status(bundle.treaty, bundle.record, day, known_on=known_on)
    reference = status(bundle.treaty, bundle.record.as_known_on(known_on), day)
    assert {k: v for k, v in result.to_json().items()
            if k not in ("known_on", "not_yet_known")} == reference.to_json()
    kept = {a.label for a in bundle.record.as_known_on(known_on).acts}
    assert kept == {a.label for a in bundle.record.acts if a.known_day <= known_on}
    assert set(result.not_yet_known) == {
        a.label for a in bundle.record.acts if a.day <= day and a.known_day > known_on}
    # the law on a day never changes by learning more about later days only
    assert (result.state == "in_force") == (day >= date(1949, 8, 24)
                                            and known_on >= date(1949, 9, 10))


def test_status_and_timeline_take_known_on_on_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _nato_with_late_receipts(tmp_path, "1949-09-10")
    code, out, _ = run_cli_output(capsys, "status", str(folder), "--as-of", "1949-08-30",
                                  "--known-on", "1949-09-01", "--json")
    found = json.loads(out)
    assert code == 0 and found["state"] == "not_in_force"
    assert found["known_on"] == "1949-09-01" and len(found["not_yet_known"]) == 4
    code, out, _ = run_cli_output(capsys, "status", str(folder), "--as-of", "1949-08-30",
                                  "--known-on", "1949-09-01")
    assert "as of 1949-08-30 as known on 1949-09-01" in out
    assert "Not yet known on 1949-09-01" in out
    code, out, _ = run_cli_output(capsys, "timeline", str(folder), "--json")
    late = [e for e in json.loads(out)["entries"] if "recorded" in e]
    assert code == 0 and {e["party"] for e in late} == {"FR", "IT", "PT", "DK"}
    code, out, _ = run_cli_output(capsys, "timeline", str(folder), "--known-on", "1949-09-01",
                                  "--json")
    assert all(e.get("party") not in {"FR", "IT", "PT", "DK"} or e["kind"] != "instrument"
               or e["date"] != "1949-08-24" for e in json.loads(out)["entries"])


@pytest.mark.parametrize("command", ["status", "timeline"])
def test_a_bad_known_on_day_is_named(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli_output(capsys, command, str(NATO), "--known-on", "1949-13-01")
    assert code != 0
    assert "--known-on" in err and "Traceback" not in err


def test_assess_known_on_also_limits_the_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    versions = version_folder(tmp_path, revise())
    code, out, _ = run_cli_output(capsys, "assess", str(EXAMPLES / "minsk-2015"), "--events",
                                  str(versions), "--as-of", "2015-03-31", "--known-on",
                                  "2015-06-30", "--json")
    found = json.loads(out)
    assert code == 0
    assert found["record_known_on"] == "2015-06-30"
    assert found["event_versions"]["known_on"] == "2015-06-30"
