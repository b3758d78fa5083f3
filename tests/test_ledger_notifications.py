"""Depositary notifications: what the status engine says an act changes, in the UN's
"C.N." form, for real deposits of the North Atlantic Treaty."""

from __future__ import annotations

from datetime import date

from cli_inprocess import EXAMPLES
from treatyline.bundle import load_bundle
from treatyline.ledger.notifications import notification_number, notify
from treatyline.record import Record

NATO = load_bundle(EXAMPLES / "nato-1949")


def _split(label_party: str, kind: str) -> tuple[Record, Record, object]:
    acts = NATO.record.acts
    (act,) = [a for a in acts if a.party == label_party and a.kind == kind]
    before = Record(tuple(a for a in acts if a is not act and a.day <= act.day))
    after = Record(tuple(a for a in acts if a.day <= act.day))
    return before, after, act


def test_the_last_ratification_brings_the_treaty_into_force() -> None:
    # the treaty entered into force on 1949-08-24 (treaties.md §1, verified) with the last
    # deposits; Denmark's is one of them
    before, after, act = _split("DK", "ratification")
    note = notify(NATO.treaty, before, after, act, sequence=17, received=date(1949, 8, 24))
    assert note.reference == "C.N.17.1949.TREATIES"
    assert note.counts and note.why_not is None
    (effect,) = [e for e in note.effects if e.what == "entry_into_force"]
    assert effect.day == date(1949, 8, 24)
    assert "Denmark" in effect.description and "United States" in effect.description
    assert "Entry into force for" in note.text and "1949-08-24" in note.text
    assert note.withdrawn == ()  # the same day's entry into force, now naming Denmark too
    assert note.to_json()["effects"][0]["date"] == "1949-08-24"


def test_an_early_ratification_changes_no_standing_yet() -> None:
    before, after, act = _split("CA", "ratification")
    note = notify(NATO.treaty, before, after, act, sequence=1, received=date(1949, 5, 10))
    assert note.counts and note.effects == () and note.withdrawn == ()
    assert "dated 1949-05-03" in note.text  # received a week after its date
    assert note.text.endswith("It changes no one's standing yet.")


def test_an_act_that_does_not_count_says_why() -> None:
    acts = NATO.record.acts
    late = next(a for a in acts if a.party == "FR" and a.kind == "ratification")
    again = late.model_copy(update={"date": date(1949, 9, 1), "sequence": 10_000})
    before = Record(acts, new_parties=NATO.record.new_parties)
    after = Record((*acts, again), new_parties=NATO.record.new_parties)
    note = notify(NATO.treaty, before, after, again, sequence=30, received=date(1949, 9, 1))
    assert not note.counts and note.why_not
    assert "does not count: France already deposited its ratification" in note.text


def test_numbers_follow_the_year_of_receipt() -> None:
    assert notification_number(5, date(2022, 3, 29)) == "C.N.5.2022.TREATIES"
