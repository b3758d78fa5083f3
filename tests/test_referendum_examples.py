"""Golden tests of the four referendum examples at their verified dates.

Only facts tagged [V] in each example's README, and what the rules derive from them,
are asserted (entry into force, who is bound from when, what is pending between two
votes, who dropped out)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from treatyline import Bundle, load_bundle, status, timeline
from treatyline.record import Record
from treatyline.status import Status

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
REFERENDUM_EXAMPLES = ("good-friday-1998", "lisbon-2007", "maastricht-1992",
                       "eu-accession-1994")


@cache
def bundle(name: str) -> Bundle:
    return load_bundle(EXAMPLES / name)


def at(name: str, day: str) -> Status:
    loaded = bundle(name)
    return status(loaded.treaty, loaded.record, date.fromisoformat(day))


def says(messages: tuple[str, ...] | list[str], *fragments: str) -> bool:
    return any(all(f in message for f in fragments) for message in messages)


def bound(result: Status) -> dict[str, date | None]:
    return {code: p.bound_since for code, p in result.parties.items() if p.is_bound}


@pytest.mark.parametrize("name", REFERENDUM_EXAMPLES)
def test_referendum_examples_have_no_rejected_acts(name: str) -> None:
    assert bundle(name).record.rejected == ()
    assert at(name, "2030-01-01").rejected == ()


# --- Good Friday: two referendums, two jurisdictions, both must pass -------------------------

def test_good_friday_both_referendums_pass_on_22_may_1998() -> None:
    result = at("good-friday-1998", "1998-05-22")
    assert result.state == "not_in_force"
    assert not says(result.pending, "referendum")  # both approved
    assert says(result.pending, "ratification by the United Kingdom and Ireland")
    votes = [e.description for e in timeline(bundle("good-friday-1998").treaty,
                                             bundle("good-friday-1998").record)
             if e.what == "referendum"]
    assert [v.split(". Question: ")[0] for v in votes] == [
        "Referendum in Northern Ireland (consultative): yes 71.1%, turnout 81.1% — approved",
        "Referendum in Ireland (binding): yes 94.4%, turnout 56.3% — approved",
    ]
    # each asked its own question
    assert "Command Paper 3883" in votes[0] and "Nineteenth Amendment" in votes[1]


def test_good_friday_in_force_on_the_exchange_of_notifications() -> None:
    assert at("good-friday-1998", "1999-12-01").state == "not_in_force"
    result = at("good-friday-1998", "1999-12-02")
    assert result.in_force_since == date(1999, 12, 2)
    assert bound(result) == {"GB": date(1999, 12, 2), "IE": date(1999, 12, 2)}


def test_good_friday_without_the_northern_ireland_vote_not_in_force() -> None:
    loaded = bundle("good-friday-1998")
    without = Record(tuple(a for a in loaded.record.acts
                           if not (a.kind == "referendum" and a.party == "GB")))
    result = status(loaded.treaty, without, date(2000, 1, 1))
    assert result.state == "not_in_force"
    assert result.pending == ("the referendum in Northern Ireland has not been held",)


# --- Lisbon: a failed referendum, a second one, the last signatory -------------------------

def test_lisbon_pending_between_the_two_irish_votes() -> None:
    for day in ("2008-06-12", "2009-01-01", "2009-01-15"):
        result = at("lisbon-2007", day)
        assert result.state == "not_in_force"
        assert says(result.pending, "referendum in Ireland of 2008-06-12", "did not approve",
                    "yes 46.6%", "a further vote on the treaty may be held")
        assert says(result.pending, "ratification by Ireland and the Czech Republic")


def test_lisbon_after_the_second_vote_only_deposits_are_pending() -> None:
    result = at("lisbon-2007", "2009-10-02")
    assert not says(result.pending, "referendum")
    assert says(result.pending, "ratification by Ireland and the Czech Republic")


def test_lisbon_in_force_on_1_december_2009() -> None:
    last = at("lisbon-2007", "2009-11-30")
    assert last.state == "not_in_force" and last.conditions_met_on == date(2009, 11, 13)
    result = at("lisbon-2007", "2009-12-01")
    assert result.in_force_since == date(2009, 12, 1)
    assert bound(result) == {"IE": date(2009, 12, 1), "CZ": date(2009, 12, 1)}


# --- Maastricht: parliament first, a failed vote, a second one ------------------------------

def test_maastricht_between_the_danish_votes() -> None:
    for day in ("1992-06-02", "1993-01-01"):  # 1 January 1993: the planned date, missed
        result = at("maastricht-1992", day)
        assert result.state == "not_in_force"
        assert says(result.pending, "referendum in Denmark of 1992-06-02", "did not approve",
                    "a further vote on the treaty may be held")
        assert says(result.pending, "ratification by Germany")
        assert result.parties["DK"].standing == "consented"  # the Folketing voted first
        assert not result.parties["DK"].is_bound


def test_maastricht_in_force_on_1_november_1993() -> None:
    after_vote = at("maastricht-1992", "1993-05-18")
    assert not says(after_vote.pending, "referendum")
    assert says(after_vote.pending, "ratification by Germany")
    assert at("maastricht-1992", "1993-10-31").state == "not_in_force"
    result = at("maastricht-1992", "1993-11-01")
    assert result.in_force_since == date(1993, 11, 1)
    assert result.conditions_met_on == date(1993, 10, 13)
    assert bound(result) == {"DK": date(1993, 11, 1), "DE": date(1993, 11, 1)}


# --- Accession 1994: Norway drops out, the others proceed -----------------------------------

def test_accession_norway_pending_before_its_vote() -> None:
    result = at("eu-accession-1994", "1994-11-27")
    assert says(result.pending, "needs ratification by", "Norway")


def test_accession_norway_drops_out_on_its_vote() -> None:
    result = at("eu-accession-1994", "1994-11-28")
    assert not says(result.pending, "Norway")
    assert says([str(r) for r in result.because], "Norway dropped out on 1994-11-28")
    loaded = bundle("eu-accession-1994")
    drops = [(e.day, e.party) for e in timeline(loaded.treaty, loaded.record)
             if e.what == "dropped_out"]
    assert drops == [(date(1994, 11, 28), "NO")]


def test_accession_in_force_on_1_january_1995_for_three_states_without_norway() -> None:
    assert at("eu-accession-1994", "1994-12-31").state == "not_in_force"
    result = at("eu-accession-1994", "1995-01-01")
    assert result.in_force_since == date(1995, 1, 1)
    assert bound(result) == {"AT": date(1995, 1, 1), "FI": date(1995, 1, 1),
                             "SE": date(1995, 1, 1)}
    assert result.parties["NO"].standing == "signatory"
    assert result.pending == ()
    assert not at("eu-accession-1994", "2030-01-01").parties["NO"].is_bound


# --- Istanbul: the proposal's own procedure in the new forms --------------------------------

def test_istanbul_declares_its_referendum_and_leaves_its_nature_open() -> None:
    loaded = load_bundle(EXAMPLES / "istanbul-2022")
    declared = loaded.treaty.referendums["ukraine"]
    assert declared.held_by == "UA" and declared.binding is None
    assert declared.note is not None and "NOT IN THE SOURCES" in declared.note
