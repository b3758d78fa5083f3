"""The pure rule of deadline notices (`treatyline.server.deadlines.notices`): which notices
are due for obligations at a moment, as a watcher ticking at arbitrary times would issue
them through a store that keeps each id once; and the notices the Istanbul example's
attack of 2023-10-03 makes, from the real assessment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server_running import ISTANBUL
from treatyline.bundle import load_bundle
from treatyline.monitor import monitor
from treatyline.norms import Obligation
from treatyline.server.deadlines import (
    NOTICE_KINDS,
    Notice,
    Terms,
    deadline_end,
    notice_id,
    notices_due,
    terms_of,
)

TERMS = {"consult": Terms("hold consultations", ("consultation",))}
START = datetime(2023, 10, 1, tzinfo=UTC)
STATES = ("pending", "fulfilled", "violated", "discharged", "blocked")


def obligation(bearer: str, occasion: str, deadline: date | None, state: str) -> Obligation:
    return Obligation("consult", "Consultations", "Art. 5", bearer, f"State {bearer}",
                      occasion, date(2023, 10, 3), deadline, state,  # type: ignore[arg-type]
                      None, date(2023, 10, 4) if state == "fulfilled" else None,
                      "act-1" if state == "fulfilled" else None)


obligations = st.lists(st.builds(
    obligation, st.sampled_from(["GB", "FR", "TR"]), st.sampled_from(["c#1", "c#2"]),
    st.one_of(st.none(), st.dates(date(2023, 10, 1), date(2023, 10, 12))),
    st.sampled_from(STATES)), max_size=6,
    # an assessment has one obligation per (provision, bearer, occasion): the notice ids
    # are made of those, so two obligations sharing them would share notices
    unique_by=lambda o: (o.bearer, o.occasion))
moments = st.lists(st.integers(0, 16 * 24 * 60), min_size=1, max_size=12).map(
    lambda minutes: [START + timedelta(minutes=m) for m in sorted(minutes)])


def issued_over(ticks: Sequence[datetime], found: Sequence[Obligation],
                lead: timedelta = timedelta(hours=24)) -> dict[str, tuple[datetime, Notice]]:
    """What a watcher ticking at `ticks` issues, kept once per id as the store keeps it."""
    issued: dict[str, tuple[datetime, Notice]] = {}
    for now in ticks:
        for notice in notices_due("t", found, now, TERMS, lead):
            issued.setdefault(notice.id, (now, notice))
    return issued


@settings(max_examples=200, deadline=None)
@given(obligations, moments)
def test_each_kind_at_most_once_per_obligation_and_in_order(
        found: list[Obligation], ticks: list[datetime]) -> None:
    issued = issued_over(ticks, found)
    by_obligation: dict[tuple[str, str], dict[str, datetime]] = {}
    for at, notice in issued.values():
        kinds = by_obligation.setdefault((notice.bearer, notice.occasion), {})
        assert notice.kind not in kinds  # one id per (obligation, kind)
        kinds[notice.kind] = at
        assert notice.id == notice_id("t", "consult", notice.bearer, notice.occasion,
                                      notice.kind)
    for kinds in by_obligation.values():
        if "deadline_reminder" in kinds and "deadline_passed" in kinds:
            assert kinds["deadline_reminder"] < kinds["deadline_passed"]
    for _, notice in issued.values():
        if notice.deadline is None:
            assert notice.kind in ("obligation_triggered", "obligation_fulfilled")
        else:
            assert notice.deadline_ends == deadline_end(notice.deadline)


@settings(max_examples=200, deadline=None)
@given(obligations, st.integers(0, 16 * 24 * 60), st.integers(0, 5 * 24 * 60))
def test_due_notices_only_grow_with_time_but_the_reminder_window(
        found: list[Obligation], first: int, later: int) -> None:
    before = START + timedelta(minutes=first)
    after = before + timedelta(minutes=later)
    early = {n.id: n for n in notices_due("t", found, before, TERMS)}
    late = {n.id for n in notices_due("t", found, after, TERMS)}
    for key, notice in early.items():
        # a reminder is due only before the deadline ends; everything else stays due
        assert key in late or (notice.kind == "deadline_reminder" and notice.deadline_ends
                               is not None and after >= notice.deadline_ends)


@settings(max_examples=200, deadline=None)
@given(obligations, st.integers(0, 16 * 24 * 60), st.integers(1, 72))
def test_what_each_kind_needs(found: list[Obligation], minute: int, hours: int) -> None:
    now = START + timedelta(minutes=minute)
    lead = timedelta(hours=hours)
    for notice in notices_due("t", found, now, TERMS, lead):
        end = notice.deadline_ends
        if notice.kind == "deadline_reminder":
            assert notice.state == "pending" and end is not None and end - lead <= now < end
        elif notice.kind == "deadline_passed":
            assert notice.state in ("pending", "violated") and end is not None and now >= end
        elif notice.kind == "obligation_triggered":
            assert notice.state in ("pending", "violated")
            assert "deposit a `consultation` act" in notice.text
        else:
            assert notice.state == "fulfilled"
    for o in found:
        if o.state in ("discharged", "blocked"):
            assert notices_due("t", [o], now, TERMS, lead) == []


def test_a_day_deadline_ends_at_midnight_utc_after_it() -> None:
    pending = obligation("GB", "c#1", date(2023, 10, 6), "pending")
    kinds = {at: {n.kind for n in notices_due("t", [pending], at, TERMS)} for at in (
        datetime(2023, 10, 5, 23, 59, tzinfo=UTC), datetime(2023, 10, 6, 0, tzinfo=UTC),
        datetime(2023, 10, 6, 23, 59, 59, tzinfo=UTC), datetime(2023, 10, 7, 0, tzinfo=UTC))}
    assert list(kinds.values()) == [
        {"obligation_triggered"}, {"obligation_triggered", "deadline_reminder"},
        {"obligation_triggered", "deadline_reminder"},
        {"obligation_triggered", "deadline_passed"}]
    # the end is a moment: the same in any timezone the clock speaks
    assert deadline_end(date(2023, 10, 6)) == datetime(2023, 10, 7, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone"):
        notices_due("t", [pending], datetime(2023, 10, 5), TERMS)


def test_the_istanbul_attack_makes_the_guarantors_notices() -> None:
    bundle = load_bundle(ISTANBUL, scenario=True)
    # the scenario without its consultations: nobody has consulted yet
    record = replace(bundle.record, acts=tuple(a for a in bundle.record.acts
                                               if a.kind != "consultation"))
    events = ISTANBUL / "scenario-events.csv"
    as_of = monitor(replace(bundle, record=record), date(2023, 10, 5), events=[events])
    found = [o for o in as_of.assessment.obligations if o.provision == "consultation"]
    assert found and {o.state for o in found} == {"pending"}
    now = datetime(2023, 10, 5, 12, tzinfo=UTC)
    notices = notices_due("istanbul-2022", found, now, terms_of(bundle.treaty))
    triggered = [n for n in notices if n.kind == "obligation_triggered"]
    assert sorted(n.bearer for n in triggered) == sorted(o.bearer for o in found)
    for notice in triggered:
        assert notice.deadline == date(2023, 10, 6) and notice.discharge_by == ("consultation",)
        assert "hyp-2023-10-03-kharkiv" in notice.incidents
        assert "hyp-2023-10-03-kharkiv" in notice.text and "2023-10-06" in notice.text
        assert "deposit a `consultation` act" in notice.text
        assert notice.title in notice.text and notice.bearer_name in notice.text
    assert {n.kind for n in notices} == {"obligation_triggered"}  # the reminder: from the 6th
    at_midnight = notices_due("istanbul-2022", found, datetime(2023, 10, 6, tzinfo=UTC),
                              terms_of(bundle.treaty))
    assert {n.bearer for n in at_midnight if n.kind == "deadline_reminder"} == {
        n.bearer for n in triggered}
    assert set(NOTICE_KINDS) >= {n.kind for n in notices}
