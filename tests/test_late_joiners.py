"""Late joiners (issue 8): which instruments are late, counted from which point.

Real texts count late instruments from the deposit of the Nth instrument or from the
conditions being met (`late_instruments_after: conditions_met`), or from entry into force
(`entry_into_force`, the Chemical Weapons Convention's Art. XXI(2)). When entry into force
comes some time after the conditions are met, the two readings bind a state that deposits
in between on different days; a file that leaves it open is rejected by `check`."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatyline.errors import Position, SpecError
from treatyline.record import Record, RowLocator, load_record, record_from_rows
from treatyline.sourcemap import SourceMap
from treatyline.spec import Treaty, load_treaty, treaty_from_data
from treatyline.status import status


def d(text: str) -> date:
    return date.fromisoformat(text)


def treaty_text(effective: str = "90 days", late: str = "30 days",
                late_after: str | None = None) -> str:
    return textwrap.dedent(f"""\
        id: late-test
        title: A treaty to test late joiners
        parties: [{{code: FR}}, {{code: DE}}, {{code: AT}}, {{code: IT}}, {{code: ES}},
                  {{code: NL}}, {{code: PL}}]
        procedure:
          ratification: {{}}
        entry_into_force:
          article: Article 21
          when: {{count: {{instruments: [ratification], at_least: 3}}}}
          effective: {effective}
          late_instruments: {late}
        """) + (f"  late_instruments_after: {late_after}\n" if late_after else "")


def write_treaty(tmp_path: Path, text: str) -> Treaty:
    path = tmp_path / "treaty.yaml"
    path.write_text(text, encoding="utf-8")
    return load_treaty(path)


# AT's, FR's and DE's deposits meet the conditions on 2020-01-01; entry into force 90 days later
# (2020-03-31, 2020 being a leap year). IT and ES deposit between the
# conditions being met and entry into force; NL on the day of entry into force; PL after.
RECORD = """\
source: test
acts:
  - {date: 2019-12-01, kind: ratification, party: AT}
  - {date: 2019-12-15, kind: ratification, party: FR}
  - {date: 2020-01-01, kind: ratification, party: DE}
  - {date: 2020-01-20, kind: ratification, party: IT}
  - {date: 2020-03-15, kind: ratification, party: ES}
  - {date: 2020-03-31, kind: ratification, party: NL}
  - {date: 2020-06-01, kind: ratification, party: PL}
"""
MET, EIF = d("2020-01-01"), d("2020-03-31")


def load(tmp_path: Path, late_after: str) -> tuple[Treaty, Record]:
    treaty = write_treaty(tmp_path, treaty_text(late_after=late_after))
    path = tmp_path / "record.yaml"
    path.write_text(RECORD, encoding="utf-8")
    return treaty, load_record(path, treaty)


def bound_since(treaty: Treaty, record: Record) -> dict[str, date | None]:
    result = status(treaty, record, d("2030-01-01"))
    assert result.conditions_met_on == MET
    assert result.in_force_since == EIF
    return {code: party.bound_since for code, party in result.parties.items()}


def test_conditions_met_trigger_counts_from_the_day_the_conditions_were_met(
        tmp_path: Path) -> None:
    treaty, record = load(tmp_path, "conditions_met")
    assert bound_since(treaty, record) == {
        "AT": EIF,               # before the conditions were met: from entry into force
        "FR": EIF,
        "DE": EIF,               # the deposit that met the conditions is not late
        "IT": EIF,               # late: 2020-01-20 + 30 days = 2020-02-19, before EIF
        "ES": d("2020-04-14"),   # late: 2020-03-15 + 30 days, after EIF
        "NL": d("2020-04-30"),   # late: 2020-03-31 + 30 days
        "PL": d("2020-07-01"),   # late: 2020-06-01 + 30 days
    }


def test_entry_into_force_trigger_binds_depositors_up_to_entry_into_force_from_it(
        tmp_path: Path) -> None:
    treaty, record = load(tmp_path, "entry_into_force")
    assert bound_since(treaty, record) == {
        "AT": EIF,
        "FR": EIF,
        "DE": EIF,
        "IT": EIF,               # after the conditions, before entry into force: not late
        "ES": EIF,               # ditto: bound on entry into force, not 2020-04-14
        "NL": EIF,               # on the day of entry into force: not "subsequent to" it
        "PL": d("2020-07-01"),   # after entry into force: 30 days after its deposit
    }


def test_entry_into_force_trigger_standings_and_reasons(tmp_path: Path) -> None:
    treaty, record = load(tmp_path, "entry_into_force")
    waiting = status(treaty, record, d("2020-03-30"))
    assert waiting.state == "not_in_force"
    assert waiting.parties["ES"].standing == "consented"
    assert any("Spain" in r.statement and "will be bound from 2020-03-31" in r.statement
               for r in waiting.because)
    on = status(treaty, record, EIF)
    assert {c for c, p in on.parties.items() if p.standing == "bound"} == {
        "AT", "FR", "DE", "IT", "ES", "NL"}
    spain = next(r.statement for r in on.because if r.statement.startswith("Spain"))
    assert "after the conditions were met but by entry into force" in spain
    assert status(treaty, record, d("2020-06-30")).parties["PL"].standing == "consented"
    later = status(treaty, record, d("2020-07-01"))
    poland = next(r.statement for r in later.because if r.statement.startswith("Poland"))
    assert "came after entry into force" in poland
    assert "30 days after deposit" in poland


def test_conditions_met_trigger_reason_for_a_late_instrument(tmp_path: Path) -> None:
    treaty, record = load(tmp_path, "conditions_met")
    result = status(treaty, record, d("2020-04-14"))
    assert result.parties["ES"].bound_since == d("2020-04-14")
    spain = next(r.statement for r in result.because if r.statement.startswith("Spain"))
    assert "came after the conditions were met" in spain


# --- the ambiguity is an error, at late_instruments -----------------------------------------


def test_ambiguous_late_trigger_is_a_located_error(tmp_path: Path) -> None:
    text = treaty_text()
    with pytest.raises(SpecError) as caught:
        write_treaty(tmp_path, text)
    [problem] = caught.value.diagnostics
    line = text.splitlines().index("  late_instruments: 30 days") + 1
    assert problem.position is not None
    assert (problem.position.line, problem.position.column) == (line, 21)
    message = str(problem)
    assert f"treaty.yaml:{line}:21: error: entry_into_force.late_instruments:" in message
    for words in ("late_instruments_after: conditions_met",
                  "late_instruments_after: entry_into_force",
                  "after the deposit of the Nth instrument",
                  "after the conditions have been met",
                  "subsequent to the entry into force"):
        assert words in message


@pytest.mark.parametrize(("effective", "late"), [("0 days", "30 days"), ("90 days", "0 days"),
                                                 ("0 days", "0 days")])
def test_no_ambiguity_without_a_gap_or_a_delay(tmp_path: Path, effective: str,
                                               late: str) -> None:
    # the two readings give the same dates: nothing to name
    treaty = write_treaty(tmp_path, treaty_text(effective=effective, late=late))
    assert treaty.entry_into_force.late_instruments_after is None


def test_unknown_trigger_is_rejected_with_the_choices(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        write_treaty(tmp_path, treaty_text(late_after="deposit_of_nth"))
    message = str(caught.value)
    assert "entry_into_force.late_instruments_after" in message
    assert "'conditions_met'" in message and "'entry_into_force'" in message


def test_ambiguous_late_trigger_is_refused_in_code_too() -> None:
    data = {"id": "x", "title": "x", "parties": [{"code": "FR"}],
            "procedure": {"ratification": {}},
            "entry_into_force": {"when": {"count": {"at_least": 1}}, "effective": "10 days",
                                 "late_instruments": "5 days"}}
    with pytest.raises(SpecError, match="late_instruments_after"):
        treaty_from_data(data, SourceMap("memory.yaml"))


# --- properties ---------------------------------------------------------------------------------

CODES = ("FR", "DE", "AT", "IT", "ES", "NL", "PL")
START = date(2000, 1, 1)


def build(effective: int, late: int, trigger: str, threshold: int) -> Treaty:
    data: dict[str, Any] = {
        "id": "property", "title": "Late joiners", "parties": [{"code": c} for c in CODES],
        "procedure": {"ratification": {}},
        "entry_into_force": {"when": {"count": {"at_least": threshold}},
                             "effective": effective, "late_instruments": late,
                             "late_instruments_after": trigger},
    }
    return treaty_from_data(data, SourceMap("memory.yaml"))


def record_of(treaty: Treaty, deposits: dict[str, int]) -> Record:
    rows = [({"date": (START + timedelta(days=n)).isoformat(), "kind": "ratification",
              "party": code, "source": "test"}, code, Position("memory.yaml", i + 1),
             RowLocator(None, ()))
            for i, (code, n) in enumerate(deposits.items())]
    return record_from_rows(rows, treaty)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 200), st.integers(0, 60), st.integers(1, 4),
       st.dictionaries(st.sampled_from(CODES), st.integers(0, 400), min_size=1))
def test_late_joiner_properties(effective: int, late: int, threshold: int,
                                deposits: dict[str, int]) -> None:
    by_trigger = {}
    for trigger in ("conditions_met", "entry_into_force"):
        treaty = build(effective, late, trigger, threshold)
        result = status(treaty, record_of(treaty, deposits), date(2099, 1, 1))
        eif = result.in_force_since
        bound = {c: p.bound_since for c, p in result.parties.items() if p.bound_since}
        if eif is None:
            assert not bound
            continue
        for code, since in bound.items():
            deposit = START + timedelta(days=deposits[code])
            assert since >= eif                      # nobody is bound before entry into force
            assert since >= deposit                  # nor before its own deposit
            assert since <= max(eif, deposit + timedelta(days=late))
            if deposit <= eif and trigger == "entry_into_force":
                assert since == eif                  # "subsequent to entry into force" only
            if deposit > eif:
                assert since == deposit + timedelta(days=late)  # both readings agree
        assert set(bound) == set(deposits)           # every depositor is bound, at last
        by_trigger[trigger] = bound
    if by_trigger:
        # counting from entry into force never binds a state later than counting from the
        # conditions being met
        assert all(by_trigger["entry_into_force"][c] <= by_trigger["conditions_met"][c]
                   for c in by_trigger["conditions_met"])
