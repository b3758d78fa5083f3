"""The resumed pass (treatyline.evaluation_pass) gives exactly the full pass's evaluation.

A record made by `Record.appended` is evaluated from the kept state of the record it extends
(after its last day, before it when the acts added fall on that day, or before one of the
few days before it); an act back-dated further falls back to the full pass. Over every
bundled example treaty and a few written here (a provisional application, an accession open
once the treaty binds, undeclared states, a referendum that voids the treaty or takes its
holder out, a deadline, succession, termination), and generated acts of every kind (valid or
not: each the procedure counts or refuses with its message), appended one by one and in
batches, each record's evaluation is compared with the full pass of a record made anew of
the same acts: every field of the evaluation, the status on several days, the derived
entries, the acts refused with their messages and the order of the acts counted.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatyline import evaluation_pass
from treatyline.bundle import load_bundle
from treatyline.errors import Position
from treatyline.evaluation import Evaluation, PartyHistory, evaluate
from treatyline.lives import Life
from treatyline.record import Act, Record, RowLocator, record_from_rows
from treatyline.spec.load import load_treaty
from treatyline.spec.model import Treaty
from treatyline.spec.vocabulary import (
    CONSENT_KINDS,
    FACT_KIND,
    NEGOTIATION_KINDS,
    REVOCATION_OF_CONSENT,
    REVOCATION_OF_WITHDRAWAL,
)
from treatyline.status import status
from treatyline.timeline import derived_entries

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "treatyline" / "examples"

WRITTEN = {
    "provisional-and-accession": """
        id: resume-provisional
        title: Provisional application, accession once in force, withdrawal, termination
        parties: [{code: FR}, {code: DE}, {code: IT}, {code: ES}]
        facts:
          ceasefire: {description: A ceasefire has held}
        groups:
          core: {members: [FR, DE]}
        procedure:
          signature: {}
          ratification: {requires: [signature]}
          accession:
            open_to: any_state
            only_when: {count: {by: bound, at_least: 1}}
            joins: [core]
          provisional_application: {}
          withdrawal: {notice: 1 year}
          termination: {}
        provisional_application:
          when: {count: {instruments: [signature], at_least: 2}}
          applies_to: signatories
        entry_into_force:
          when:
            all:
              - count: {instruments: [ratification], at_least: 2}
              - fact: ceasefire
          effective: 30 days
          late_instruments: 10 days
          late_instruments_after: conditions_met
        """,
    "referendum-void": """
        id: resume-void
        title: A treaty that one state puts to the vote, with a deadline
        parties: [{code: IE}, {code: CZ}, {code: DK}]
        referendums:
          ireland:
            held_by: IE
            binding: true
            on_rejection: void
            deadline: 2021-06-30
        procedure:
          ratification: {}
          withdrawal: {notice: 6 months}
        entry_into_force:
          when:
            all:
              - referendum: ireland
              - including: {instruments: [ratification], parties: [IE, CZ]}
          effective: {then: first_day_of_next_month}
        """,
    "referendum-drop-out": """
        id: resume-drop-out
        title: A treaty that a vote may take a state out of
        parties: [{code: DK}, {code: DE}, {code: FR}, {code: "NO"}]
        referendums:
          norway: {held_by: "NO", binding: true, on_rejection: drop_out}
        procedure:
          signature: {}
          ratification: {}
          accession: {only_when: {count: {by: bound, at_least: 2}}}
        entry_into_force:
          when: {count: {instruments: [ratification], by: signatories, at_least: 2}}
        """,
}
"""Treaties written for this test: what no bundled example has."""


def _treaties() -> dict[str, Treaty]:
    found = {path.name: load_bundle(path).treaty for path in sorted(EXAMPLES.iterdir())
             if (path / "treaty.yaml").is_file()}
    assert len(found) >= 3 and {"nato-1949", "istanbul-2022", "minsk-2015"} <= set(found)
    return found


@pytest.fixture(scope="module")
def treaties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Treaty]:
    found = _treaties()
    folder = tmp_path_factory.mktemp("resume-treaties")
    for name, text in WRITTEN.items():
        path = folder / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        found[name] = load_treaty(path)
    return found


TREATY_NAMES = sorted([path.name for path in EXAMPLES.iterdir()
                       if (path / "treaty.yaml").is_file()] + list(WRITTEN))
UNDECLARED = ("GR", "TR", "SE", "FI", "RU", "SK")
"""States no treaty here declares: an act of one is accepted where the treaty is open to
any state (a new party), refused by the record's checks elsewhere."""
FIRST = date(2020, 1, 1)


def _kinds(treaty: Treaty) -> list[str]:
    kinds = [*treaty.procedure, FACT_KIND, REVOCATION_OF_CONSENT, REVOCATION_OF_WITHDRAWAL,
             "termination", *sorted(NEGOTIATION_KINDS)[:2]]
    if treaty.referendums:
        kinds.append("referendum")
    return list(dict.fromkeys(kinds))


def _row(draw: st.DrawFn, treaty: Treaty, kind: str, party: str | None,
         day: date) -> dict[str, Any]:
    """The row of an act of `kind` by `party` on `day` (now and then at a time of day, in
    another zone, or with an id that other acts share), with what its kind needs."""
    moment: str = day.isoformat()
    if draw(st.integers(0, 9)) == 0:
        hour = draw(st.integers(0, 23))
        zone = draw(st.sampled_from([UTC, timezone(timedelta(hours=-5))]))
        moment = datetime(day.year, day.month, day.day, hour, 30, tzinfo=zone).isoformat()
    row: dict[str, Any] = {"date": moment, "kind": kind, "source": "generated"}
    if kind == FACT_KIND:
        row["fact"] = draw(st.sampled_from(list(treaty.facts) or ["undeclared_fact"]))
    elif kind == "referendum":
        if treaty.referendums:
            name = draw(st.sampled_from(sorted(treaty.referendums)))
            party = treaty.referendums[name].held_by
            row["referendum"] = name
        row["yes_share"] = draw(st.sampled_from([0.3, 0.5, 0.51, 0.7]))
        row["turnout"] = draw(st.sampled_from([0.2, 0.6]))
    elif kind == "succession":
        row["predecessor"] = draw(st.sampled_from([p.code for p in treaty.parties]))
        row["continuation"] = draw(st.booleans())
    if party is not None:
        row["party"] = party
    if draw(st.integers(0, 6)) == 0:
        row["id"] = f"act-{draw(st.integers(0, 3))}"
    return row


def _day(draw: st.DrawFn) -> date:
    return FIRST + timedelta(days=draw(st.integers(0, 40)) * draw(st.sampled_from([1, 1, 9])))


@st.composite
def _act_rows(draw: st.DrawFn, treaty: Treaty) -> dict[str, Any]:
    """Any act: a kind of the treaty's (or one that it refuses), by any of its parties (or
    a state it does not declare, or none), on any day."""
    kind = draw(st.sampled_from(_kinds(treaty)))
    party = draw(st.sampled_from([p.code for p in treaty.parties] + list(UNDECLARED)))
    if kind in ("termination", FACT_KIND) and draw(st.booleans()):
        party = None
    return _row(draw, treaty, kind, party, _day(draw))


@st.composite
def _record_rows(draw: st.DrawFn, treaty: Treaty) -> list[dict[str, Any]]:
    """The rows of a record: facts, votes, and parties that each go through the procedure
    in its order (sign, consent, then perhaps apply provisionally, withdraw, revoke, rejoin,
    succeed, terminate), with a few acts of any kind among them."""
    procedure = treaty.procedure
    first = [k for k in ("initialling", "signature") if k in procedure]
    consent = sorted(k for k in procedure if k in CONSENT_KINDS) or first
    later = sorted({*(k for k in procedure if k not in first),
                    REVOCATION_OF_CONSENT, REVOCATION_OF_WITHDRAWAL})
    rows = [_row(draw, treaty, FACT_KIND, None, _day(draw))
            for fact in treaty.facts if draw(st.booleans())]
    rows += [_row(draw, treaty, "referendum", None, _day(draw))
             for _ in range(draw(st.integers(0, 2) if treaty.referendums else st.just(0)))]
    codes = [p.code for p in treaty.parties] + list(UNDECLARED)
    for party in draw(st.lists(st.sampled_from(codes), max_size=7, unique=True)):
        kinds = [k for k in first if draw(st.integers(0, 4))]
        if consent and draw(st.integers(0, 4)):
            kinds.append(draw(st.sampled_from(consent)))
        kinds += draw(st.lists(st.sampled_from(later), max_size=3)) if later else []
        day = _day(draw)
        for kind in kinds:
            rows.append(_row(draw, treaty, kind, party, day))
            day += timedelta(days=draw(st.sampled_from([0, 0, 1, 20, 200, 400])))
    rows += draw(st.lists(_act_rows(treaty), max_size=4))
    if draw(st.booleans()):  # in time order: mostly resumed (few back-dated acts)
        rows.sort(key=lambda row: row["date"][:10])
    else:
        rows = draw(st.permutations(rows))
    return rows


def _made(treaty: Treaty, rows: list[dict[str, Any]], first: int) -> Record:
    return record_from_rows([(row, f"row {first + n}", Position(f"row {first + n}"),
                              RowLocator(None, ())) for n, row in enumerate(rows)],
                            treaty, first_sequence=first)


def _acts(treaty: Treaty, rows: list[dict[str, Any]], first: int = 0
          ) -> tuple[list[Act], list[dict[str, str]]]:
    """The acts the record accepts of `rows`, in the rows' order, each with the states not
    declared it brings in (as the depositary takes one act at a time)."""
    acts: list[Act] = []
    parties: list[dict[str, str]] = []
    for sequence, row in enumerate(rows):
        made = _made(treaty, [row], first + sequence)
        if made.acts:
            acts.extend(made.acts)
            parties.append(dict(made.new_parties))
    return acts, parties


def _shape(value: Any, seen: Callable[[Any], Any]) -> Any:
    """A value compared field by field: acts by identity (both records hold the same
    ones), dicts with their order, dataclasses by their fields."""
    if isinstance(value, Act):
        return ("act", id(value))
    if isinstance(value, dict):
        return ("dict", tuple((seen(k), seen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(seen(v) for v in value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, seen(getattr(value, f.name)))
                                            for f in dataclasses.fields(value)))
    return value


def _fields(ev: Evaluation) -> tuple[Any, ...]:
    def seen(value: Any) -> Any:
        return _shape(value, seen)

    return tuple((f.name, seen(getattr(ev, f.name))) for f in dataclasses.fields(ev)
                 if f.name not in ("treaty", "record", "memo"))


def _days(record: Record) -> list[date]:
    days = sorted({act.day for act in record.acts})
    if not days:
        return [FIRST]
    last = days[-1]
    return [days[0] - timedelta(days=1), *days[::max(1, len(days) // 6)], last,
            last + timedelta(days=31), last + timedelta(days=400), date(2100, 1, 1)]


def assert_same(treaty: Treaty, record: Record) -> None:
    """`record`'s evaluation (resumed, or not) is the full pass of a record made anew."""
    resumed = evaluate(treaty, record)
    fresh = Record(record.acts, record.rejected, record.files, dict(record.new_parties))
    assert fresh.acts == record.acts
    full = evaluate(treaty, fresh)
    assert full is not resumed
    assert _fields(resumed) == _fields(full)
    assert [id(a) for a in resumed.counted] == [id(a) for a in full.counted]
    assert [(id(a), d.message) for a, d in resumed.rejected] == [
        (id(a), d.message) for a, d in full.rejected]
    assert derived_entries(resumed) == derived_entries(full)
    for day in _days(record):
        assert status(treaty, record, day).to_json() == status(treaty, fresh, day).to_json(), day


def _grown(treaty: Treaty, acts: list[Act], parties: list[dict[str, str]],
           sizes: list[int]) -> Iterator[Record]:
    """Records made by appending `acts` in batches of `sizes` (cycled), the first from an
    empty record, each from the one before; and beside each, a record made from the same
    one with the batch after it instead (the kept state serves both: neither may change
    what the other sees)."""
    record = Record(())
    evaluate(treaty, record)
    at, turn = 0, 0
    while at < len(acts):
        size = sizes[turn % len(sizes)]
        turn += 1
        added = record.appended(acts[at:at + size], _brought(parties[at:at + size]))
        yield added
        if at + size < len(acts):
            yield record.appended(acts[at + size:at + 2 * size],
                                  _brought(parties[at + size:at + 2 * size]))
        record = added
        at += size


def _brought(parties: list[dict[str, str]]) -> dict[str, str]:
    return {code: name for brought in parties for code, name in brought.items()}


@pytest.mark.parametrize("name", TREATY_NAMES)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), sizes=st.lists(st.integers(0, 4), min_size=1, max_size=3))
def test_appending_acts_gives_the_full_pass(treaties: dict[str, Treaty], data: st.DataObject,
                                            name: str, sizes: list[int]) -> None:
    treaty = treaties[name]
    rows = data.draw(_record_rows(treaty), label="rows")
    acts, parties = _acts(treaty, rows)
    for record in _grown(treaty, acts, parties, [*sizes, 1]):  # 0: nothing appended
        assert_same(treaty, record)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), name=st.sampled_from(TREATY_NAMES))
def test_appending_to_an_example_record_gives_the_full_pass(
        treaties: dict[str, Treaty], data: st.DataObject, name: str) -> None:
    """Acts appended to a bundled record (kept whole, or cut at a day), as a depositary
    appends to a ledger read in full."""
    treaty = treaties[name]
    base = load_bundle(EXAMPLES / name).record if (EXAMPLES / name).is_dir() else Record(())
    cut = data.draw(st.integers(0, len(base.acts)), label="cut")
    kept = base.acts[:cut]
    parties = {code: nm for code, nm in base.new_parties.items()
               if any(act.party == code for act in kept)}
    record = Record(kept, new_parties=parties)
    evaluate(treaty, record)
    rows = data.draw(st.lists(_act_rows(treaty), min_size=1, max_size=6), label="rows")
    last = kept[-1].day if kept else FIRST
    for row in rows:  # around the record's last day: after it, on it, or before it
        shift = data.draw(st.integers(-2, 3), label="shift")
        row["date"] = (last + timedelta(days=shift)).isoformat()
    acts, new = _acts(treaty, rows, first=1000)  # after the record's own
    for act, brought in zip(acts, new, strict=True):
        record = record.appended([act], brought)
        assert_same(treaty, record)


@pytest.mark.parametrize("name", sorted(path.name for path in EXAMPLES.iterdir()
                                          if (path / "record.yaml").is_file()))
def test_an_example_record_grown_act_by_act_gives_the_full_pass(
        treaties: dict[str, Treaty], name: str) -> None:
    """The example's own acts (successions, withdrawals, revocations, votes that count)
    appended one at a time, and beside each record the one that skips its last act."""
    treaty, whole = treaties[name], load_bundle(EXAMPLES / name).record
    record = Record(())
    evaluate(treaty, record)
    for at, act in enumerate(whole.acts):
        made = [record.appended(acts, {act.party: whole.new_parties[act.party]
                                       for act in acts if act.party in whole.new_parties})
                for acts in ([act], whole.acts[at + 1:at + 2])]
        for each in made:
            assert_same(treaty, each)
        record = made[0]
    assert [id(a) for a in record.acts] == [id(a) for a in whole.acts]


def _counting_full_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the full passes run from now on (the acts each applied)."""
    counted: list[int] = []
    full = evaluation_pass._full_pass

    def counting(treaty: Treaty, record: Record) -> Evaluation:
        counted.append(len(record.acts))
        return full(treaty, record)

    monkeypatch.setattr(evaluation_pass, "_full_pass", counting)
    return counted


def _statements(treaty: Treaty, first: int, days: list[int]) -> list[Act]:
    rows = [{"date": (FIRST + timedelta(days=day)).isoformat(), "kind": "statement",
             "party": treaty.parties[n % len(treaty.parties)].code, "source": "test"}
            for n, day in enumerate(days)]
    return list(_made(treaty, rows, first).acts)


def test_appended_records_are_evaluated_by_resuming_not_by_the_full_pass(
        treaties: dict[str, Treaty], monkeypatch: pytest.MonkeyPatch) -> None:
    treaty = treaties["nato-1949"]
    counted = _counting_full_passes(monkeypatch)
    record = Record(tuple(_statements(treaty, 0, [day // 5 for day in range(200)])))
    evaluate(treaty, record)
    assert counted == [200]
    # one by one: a new day, the same day (that day applied again), another new day
    for act in _statements(treaty, 200, [40, 40, 40, 41, 45]):
        record = record.appended([act])
        assert_same(treaty, record)  # the record made anew there: one full pass each
    assert counted == [200, *[201, 202, 203, 204, 205]]
    # a batch over several days
    record = record.appended(_statements(treaty, 300, [45, 46, 47, 50]))
    evaluate(treaty, record)
    assert len(counted) == 6
    # a back-dated act: the full pass
    record = record.appended(_statements(treaty, 400, [10]))
    evaluate(treaty, record)
    assert counted[6:] == [210]
    # and it is kept to resume from too
    record = record.appended(_statements(treaty, 500, [59, 60]))  # the second by Canada
    evaluate(treaty, record)
    assert len(counted) == 7
    # nothing appended, then an act on the same last day: that day applied again, whole
    # (Belgium's statement, counted before Canada's of the same day)
    record = record.appended([])
    evaluate(treaty, record)
    record = record.appended(_statements(treaty, 600, [60]))
    assert [a.party for a in evaluate(treaty, record).counted[-2:]] == ["BE", "CA"]
    assert_same(treaty, record)
    assert len(counted) == 8


def test_a_record_not_made_by_appending_or_whose_base_is_gone_takes_the_full_pass(
        treaties: dict[str, Treaty], monkeypatch: pytest.MonkeyPatch) -> None:
    treaty = treaties["minsk-2015"]
    counted = _counting_full_passes(monkeypatch)
    acts = _statements(treaty, 0, [1, 2, 3])
    base = Record(tuple(acts[:2]))
    appended = base.appended(acts[2:])
    assert appended.appended_to is not None and appended.appended_to[0] is base
    del base  # no longer alive: nothing to resume from
    assert appended.appended_to is None
    evaluate(treaty, appended)
    assert counted == [3]


def test_new_undeclared_parties_are_taken_in_or_the_full_pass_runs(
        treaties: dict[str, Treaty], monkeypatch: pytest.MonkeyPatch) -> None:
    treaty = treaties["nato-1949"]
    counted = _counting_full_passes(monkeypatch)
    rows = [{"date": "1949-04-04", "kind": "signature", "party": code, "source": "t"}
            for code in ("US", "GB", "FR", "BE", "CA", "LU", "NL")]
    rows += [{"date": "1949-08-24", "kind": "ratification", "party": code, "source": "t"}
             for code in ("US", "GB", "FR", "BE", "CA", "LU", "NL")]
    rows += [{"date": "1952-02-18", "kind": "accession", "party": "GR", "source": "t"},
             {"date": "1952-02-18", "kind": "accession", "party": "TR", "source": "t"},
             {"date": "1955-05-06", "kind": "accession", "party": "DE", "source": "t"}]
    acts, parties = _acts(treaty, rows)
    record = Record(tuple(acts[:14]))
    evaluate(treaty, record)
    counted.clear()
    # the first state not declared: the full pass (a record with none counts states apart)
    record = record.appended(acts[14:15], parties[14])
    assert_same(treaty, record)
    assert counted[:2] == [15, 15]
    counted.clear()
    record = record.appended(acts[15:16], parties[15])  # on the same day: resumed
    evaluate(treaty, record)
    assert counted == []
    assert list(evaluate(treaty, record).histories)[-2:] == ["GR", "TR"]
    assert_same(treaty, record)


def test_every_field_of_an_evaluation_says_how_a_fork_copies_it() -> None:
    """A new field of `Evaluation` must be named in the fork's table (else forks could
    share a container the pass changes); a fork of a history copies its lives."""
    assert {f.name for f in dataclasses.fields(Evaluation)} == set(evaluation_pass._FORK)
    assert {f.name for f in dataclasses.fields(Life)} == {
        "consent", "bound_since", "notice", "withdrawn_since", "consent_revoked", "further",
        "revoked_notices"}, "a new field of Life: check PartyHistory.forked copies it"
    history = PartyHistory("FR", "France", ())
    forked = history.forked()
    forked.lives[0].further.append(None)  # type: ignore[arg-type]
    forked.lives.append(Life())
    assert history.lives == [Life()]


def _mutable(value: Any, found: dict[int, str], where: str) -> None:
    """The mutable containers reachable from `value` (dicts, lists, sets, and the
    dataclasses that are not frozen), by id; acts and frozen values are not walked."""
    if isinstance(value, dict | list | set):
        found[id(value)] = where
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, inner in items:
            _mutable(inner, found, f"{where}[{key!r}]")
    elif isinstance(value, tuple):
        for at, inner in enumerate(value):
            _mutable(inner, found, f"{where}[{at}]")
    elif (dataclasses.is_dataclass(value) and not isinstance(value, type)
          and not type(value).__dataclass_params__.frozen):  # type: ignore[attr-defined]
        found[id(value)] = where
        for f in dataclasses.fields(value):
            _mutable(getattr(value, f.name), found, f"{where}.{f.name}")


def _pass_containers(run: Any) -> dict[int, str]:
    found: dict[int, str] = {}
    for f in dataclasses.fields(Evaluation):
        if f.name not in ("treaty", "record", "memo"):
            _mutable(getattr(run.ev, f.name), found, f.name)
    found[id(run.ev.memo)] = "memo"
    for name in ("_with", "_joined", "_facts"):
        _mutable(getattr(run.snap, name), found, f"snapshot.{name}")
    return found


@pytest.mark.parametrize("name", ["npt-1968", "ctbt-1996", "eu-accession-1994", "rome-1998",
                                  "kyoto-1997", "nato-1949"])
def test_a_fork_shares_no_container_the_pass_changes(
        treaties: dict[str, Treaty], name: str) -> None:
    """What a kept state and its forks share are acts and frozen values only; a settled
    evaluation shares with its kept state nothing the settlement changes."""
    treaty, record = treaties[name], load_bundle(EXAMPLES / name).record
    settled = evaluate(treaty, Record(record.acts, new_parties=record.new_parties))
    kept = settled.memo["resumable"]
    assert isinstance(kept, evaluation_pass.Resumable)
    for state in (kept.before_last, kept.after_last):
        fork = state.forked(state.ev.record)
        assert fork is not None
        mine, theirs = _pass_containers(state), _pass_containers(fork)
        shared = sorted(mine[key] for key in set(mine) & set(theirs))
        assert shared == [], shared
    changed = _pass_containers(kept.after_last)
    settled_ones: dict[int, str] = {}
    for field_name in ("histories", "dropped"):
        _mutable(getattr(settled, field_name), settled_ones, field_name)
    settled_ones[id(settled.memo)] = "memo"
    assert sorted(changed[key] for key in set(changed) & set(settled_ones)) == []


def test_record_appended_orders_acts_as_a_record_made_anew(
        treaties: dict[str, Treaty]) -> None:
    treaty = treaties["nato-1949"]
    acts = _statements(treaty, 0, [5, 1, 3, 3, 9, 0, 3])
    timed = _made(treaty, [{"date": "2020-01-04T10:00:00+02:00", "kind": "statement",
                            "party": "US", "source": "t"}], 50).acts
    record = Record(tuple(acts[:3]))
    for more in ([acts[3]], acts[4:6], list(timed), [acts[6]], []):
        base, record = record, record.appended(more)
        anew = Record((*base.acts, *more))
        assert [id(a) for a in record.acts] == [id(a) for a in anew.acts]
        assert record.appended_to == (base, tuple(more))


def test_an_act_back_dated_by_a_few_days_resumes_from_the_state_before_its_day(
        treaties: dict[str, Treaty], monkeypatch: pytest.MonkeyPatch) -> None:
    """Deposits received together arrive a little out of the order of their dates: an act
    dated on one of the KEPT_DAYS days before the last resumes from the state before its
    day; one dated earlier still takes the full pass."""
    treaty = treaties["nato-1949"]
    counted = _counting_full_passes(monkeypatch)
    record = Record(tuple(_statements(treaty, 0, [day // 4 for day in range(400)])))
    evaluate(treaty, record)
    assert counted == [400]
    for number, day in enumerate([99, 97, 96, 99, 92, 95, 100, 93]):  # last day: 99, 100
        record = record.appended(_statements(treaty, 1000 + number, [day]))
        evaluate(treaty, record)
    assert counted == [400]
    assert_same(treaty, record)  # the record made anew: one full pass
    assert len(counted) == 2
    record = record.appended(_statements(treaty, 2000, [100 - evaluation_pass.KEPT_DAYS - 1]))
    evaluate(treaty, record)
    assert len(counted) == 3
    assert_same(treaty, record)
