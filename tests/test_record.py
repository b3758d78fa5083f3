"""The record: acts validated one by one; bad ones rejected with their place, good ones kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from treatyline import RecordError, load_record, load_treaty, status, timeline

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

Write = Callable[[str, str], Path]


@pytest.fixture
def nato() -> object:
    return load_treaty(EXAMPLES / "nato-1949" / "treaty.yaml")


def messages(record: object) -> list[str]:
    return [re.sub(r"^/\S*/(record\.)", r"\1", str(d))
            for d in record.rejected]  # type: ignore[attr-defined]


def test_bad_acts_rejected_with_positions_good_ones_kept(write: Write, nato: object) -> None:
    path = write("record.yaml", """
        source: test
        acts:
          - {date: 1949-04-04, kind: signature, party: BE}
          - {date: 1949-04-04, kind: signature, party: UK}
          - {date: 1949-04-04, kind: signatur, party: CA}
          - {date: 1949-02-30, kind: signature, party: FR}
          - {date: 04/04/1949, kind: signature, party: IT}
          - {date: 1949-04-04, kind: signature, party: NL, sauce: x}
          - {date: 1949-05-03, kind: ratification, party: BE}
        """)
    record = load_record(path, nato)  # type: ignore[arg-type]
    assert [a.party for a in record.acts] == ["BE", "BE"]
    assert messages(record) == [
        "record.yaml:4:48: error: act record.yaml:4: 'UK' is not a party to this treaty, "
        "nor a state code "
        "(ISO 3166-1, or ISO 3166-3 for a former state) "
        "(did you mean 'GB'?)",
        "record.yaml:5:30: error: act record.yaml:5: act kind 'signatur' is not defined by "
        "this treaty's procedure and is not a negotiation act (did you mean 'signature'?)",
        "record.yaml:6:12: error: act record.yaml:6: date: '1949-02-30' is not a real date: "
        "day is out of range for month",
        "record.yaml:7:12: error: act record.yaml:7: date: '04/04/1949' is neither a date "
        "(YYYY-MM-DD) nor an ISO 8601 time with a timezone (e.g. 2015-02-15T00:00+02:00)",
        "record.yaml:8:52: error: act record.yaml:8: unknown field 'sauce' "
        "(did you mean 'source'?)",
    ]


def test_missing_source_is_rejected(write: Write, nato: object) -> None:
    path = write("record.yaml", """
        - {date: 1949-04-04, kind: signature, party: BE}
        """)
    record = load_record(path, nato)  # type: ignore[arg-type]
    assert record.acts == ()
    assert messages(record) == [
        "record.yaml:1:3: error: act record.yaml:1: missing required field 'source'"
    ]


def test_csv_record_with_positions(write: Write, nato: object) -> None:
    path = write("record.csv", """
        date,kind,party,organ,source
        1949-04-04,signature,BE,,test
        1949-04-04,signature,ZZ,,test
        1949-05-03,ratification,BE,"Chamber, Senate",test
        1949-13-03,ratification,CA,,test
        """)
    record = load_record(path, nato)  # type: ignore[arg-type]
    assert [(a.kind, a.party, a.organ) for a in record.acts] == [
        ("signature", "BE", None), ("ratification", "BE", "Chamber, Senate")]
    assert messages(record) == [
        "record.csv:3:22: error: act record.csv:3: 'ZZ' is not a party to this treaty, "
        "nor a state code "
        "(ISO 3166-1, or ISO 3166-3 for a former state)",
        "record.csv:5:1: error: act record.csv:5: date: '1949-13-03' is not a real date: "
        "month must be in 1..12",
    ]


def test_procedure_rejections_are_reported_and_do_not_count(write: Write, nato: object) -> None:
    path = write("record.yaml", """
        source: test
        acts:
          - {date: 1949-05-03, kind: ratification, party: CA}
          - {date: 1949-05-04, kind: signature, party: CA}
          - {date: 1949-06-01, kind: denunciation, party: BE}
        """)
    record = load_record(path, nato)  # type: ignore[arg-type]
    result = status(nato, record, date(1949, 12, 31))  # type: ignore[arg-type]
    assert result.parties["CA"].standing == "signatory"
    rejected = [d.message for d in result.rejected]
    assert rejected == [
        "ratification by Canada on 1949-05-03 does not count: the procedure (Article 11) "
        "requires signature by Canada first, and none is recorded on or before that day",
        "denunciation by Belgium on 1949-06-01 does not count: Belgium is not bound",
    ]
    entries = [e for e in timeline(nato, record) if e.kind == "rejected"]  # type: ignore[arg-type]
    assert len(entries) == 2


def test_recorded_before_date_rejected(write: Write, nato: object) -> None:
    path = write("record.yaml", """
        - {date: 1949-04-04, recorded: 1949-04-01, kind: signature, party: BE, source: t}
        """)
    record = load_record(path, nato)  # type: ignore[arg-type]
    assert messages(record) == [
        "record.yaml:1:3: error: act record.yaml:1: recorded is earlier than the date of the act"
    ]


def test_timezone_aware_times_order_within_a_day(write: Write, nato: object) -> None:
    path = write("record.yaml", """
        - {date: "1949-04-04T18:00+00:00", kind: statement, party: US, text: late, source: t}
        - {date: "1949-04-04T09:00-05:00", kind: statement, party: US, text: early, source: t}
        - {date: 1949-04-04, kind: signature, party: BE, source: t}
        """)
    record = load_record(path, nato)  # type: ignore[arg-type]
    assert [a.text for a in record.acts] == ["early", "late", None]
    first = record.acts[0].date
    assert isinstance(first, datetime)
    assert first.utcoffset() == timedelta(hours=-5)
    assert first.astimezone(UTC).hour == 14


def test_naive_time_is_rejected(write: Write, nato: object) -> None:
    path = write("record.yaml", """
        - {date: "1949-04-04T18:00", kind: statement, party: US, source: t}
        """)
    record = load_record(path, nato)  # type: ignore[arg-type]
    assert "has no timezone" in messages(record)[0]


def test_unreadable_record_raises(write: Write, nato: object) -> None:
    path = write("record.yaml", "acts: [ {date: 1949-04-04\n")
    with pytest.raises(RecordError, match="YAML syntax"):
        load_record(path, nato)  # type: ignore[arg-type]
    with pytest.raises(RecordError, match="no such record file"):
        load_record(path.with_name("none.yaml"), nato)  # type: ignore[arg-type]


def test_accession_by_a_new_state(write: Write, nato: object) -> None:
    path = write("record.yaml", (EXAMPLES / "nato-1949" / "record.yaml").read_text())
    record = load_record(path, nato)  # type: ignore[arg-type]
    assert record.new_parties == {"GR": "Greece", "TR": "Türkiye", "FI": "Finland",
                                  "SE": "Sweden"}
    result = status(nato, record, date(1952, 2, 18))  # type: ignore[arg-type]
    assert result.parties["GR"].bound_since == date(1952, 2, 18)
    assert "FI" not in result.parties


def test_norway_is_not_false(write: Write, nato: object) -> None:
    # YAML 1.1 would read NO as a boolean; treaty files use YAML 1.2 booleans only
    path = write("record.yaml", """
        - {date: 1949-04-04, kind: signature, party: NO, source: t, hypothetical: false}
        """)
    record = load_record(path, nato)  # type: ignore[arg-type]
    assert record.rejected == ()
    assert record.acts[0].party == "NO"
    assert record.acts[0].hypothetical is False
