"""Who can be a party: former states and succession, treaties open to all states, and
regional economic integration organisations in counts."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_files import at, d, write_record, write_treaty
from treatyline.errors import SpecError
from treatyline.evaluation import evaluate
from treatyline.record import Record, load_record
from treatyline.spec import Treaty
from treatyline.states import is_state, state_name, suggest_state


def spec_errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        write_treaty(tmp_path, text)
    return [str(diagnostic) for diagnostic in caught.value.diagnostics]


OPEN_TREATY = """\
    id: open
    title: Open treaty
    open_to: all_states
    parties: [{code: SU}, {code: CS}, {code: US}]
    procedure:
      signature: {}
      ratification: {requires: [signature]}
      succession: {article: Art. 9}
      withdrawal: {notice: 3 months}
    entry_into_force:
      when: {count: {instruments: [ratification], at_least: 2}}
"""

HISTORY = """\
    - {date: 1970-01-01, kind: signature, party: SU}
    - {date: 1970-01-01, kind: signature, party: CS}
    - {date: 1970-01-01, kind: signature, party: US}
    - {date: 1970-02-01, kind: ratification, party: SU}
    - {date: 1970-03-01, kind: ratification, party: CS}
    - {id: ru, date: 1991-12-24, kind: succession, party: RU, predecessor: SU, continuation: true}
    - {id: cz, date: 1993-01-01, kind: succession, party: CZ, predecessor: CS}
    - {id: sk, date: 1993-04-17, effective: 1993-01-01, kind: succession, party: SK,
       predecessor: CS}
"""


def loaded(tmp_path: Path, acts: str = HISTORY) -> tuple[Treaty, Record]:
    treaty = write_treaty(tmp_path, OPEN_TREATY)
    return treaty, write_record(tmp_path, treaty, acts)


# --- codes ---------------------------------------------------------------------------------


def test_former_state_codes_are_states_with_names() -> None:
    assert is_state("SU") and is_state("CS") and is_state("YU") and is_state("CSXX")
    assert not is_state("XZ") and not is_state("EU")
    assert state_name("SU") == "Union of Soviet Socialist Republics"
    assert state_name("CS") == "Czechoslovakia"
    assert state_name("CSXX") == "Serbia and Montenegro"


@pytest.mark.parametrize(("written", "meant"), [
    ("UK", "GB"), ("Germany", "DE"), ("germany", "DE"), ("fr", "FR"), ("Czechoslovakia", "CS"),
    ("USA", "US"), ("Russia", "RU"),
])
def test_state_suggestions(written: str, meant: str) -> None:
    assert suggest_state(written) == meant


def test_a_treaty_may_declare_former_states(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, OPEN_TREATY)
    assert [p.code for p in treaty.parties] == ["SU", "CS", "US"]


def test_an_unknown_state_code_is_located_with_a_suggestion(tmp_path: Path) -> None:
    errors = spec_errors(tmp_path, OPEN_TREATY.replace("{code: US}", "{code: USA}"))
    assert len(errors) == 1
    assert "treaty.yaml:4:" in errors[0] and "'USA'" in errors[0] and "'US'" in errors[0]


# --- succession ------------------------------------------------------------------------------


def test_continuation_keeps_the_predecessors_standing(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path)
    assert not record.rejected
    before = at(treaty, record, "1991-12-23")
    assert before.parties["SU"].standing == "bound" and "RU" not in before.parties
    after = at(treaty, record, "1991-12-24")
    russia = after.parties["RU"]
    assert russia.standing == "bound"
    assert russia.bound_since == d("1970-03-01")  # the USSR's, same standing
    assert russia.succession is not None and russia.succession["continuation"] is True
    assert after.parties["SU"].standing == "succeeded"
    assert any("continues the participation" in r.statement for r in after.because)


def test_succession_binds_from_the_day_of_succession(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path)
    result = at(treaty, record, "1993-06-01")
    assert result.parties["CZ"].bound_since == d("1993-01-01")
    assert result.parties["SK"].bound_since == d("1993-01-01")  # notified later, effective earlier
    assert result.parties["CS"].standing == "succeeded"
    json = result.to_json()
    assert json["parties"]["CS"]["succession"]["successors"][0]["successor"] in {"CZ", "SK"}


def test_successions_count_no_instrument_twice(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path)
    ev = evaluate(treaty, record)
    for day, expected in [("1980-01-01", {"SU", "CS"}), ("1992-01-01", {"RU", "CS"}),
                          ("1993-06-01", {"RU", "CZ", "SK"})]:
        snap = ev.snapshot(d(day))
        assert snap.parties_with(("ratification",)) == expected, day
        assert snap.members("bound") == expected, day


def test_a_signatory_predecessor_makes_a_signatory_successor(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path, """
        - {date: 1970-01-01, kind: signature, party: CS}
        - {date: 1993-01-01, kind: succession, party: SK, predecessor: CS}
    """)
    assert at(treaty, record, "1993-02-01").parties["SK"].standing == "signatory"


def test_a_predecessor_that_never_acted_cannot_be_succeeded(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path, """
        - {date: 1993-01-01, kind: succession, party: SK, predecessor: CS}
    """)
    result = at(treaty, record, "1994-01-01")
    assert "SK" not in result.parties
    assert [r.message for r in result.rejected if "made no act" in r.message]
    assert any(r.position is not None and r.position.line == 3 for r in result.rejected)


def test_a_succession_dated_before_the_predecessors_acts_is_rejected(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path, """
        - {date: 1970-01-01, kind: signature, party: CS}
        - {date: 1993-04-17, effective: 1960-01-01, kind: succession, party: SK, predecessor: CS}
    """)
    messages = [r.message for r in at(treaty, record, "1994-01-01").rejected]
    assert any("before the first act of Czechoslovakia" in m and "record.yaml:3" in m
               for m in messages), messages


def test_two_continuations_of_one_state_are_refused(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path, HISTORY + """
    - {date: 1992-01-01, kind: succession, party: UA, predecessor: SU, continuation: true}
    """)
    messages = [r.message for r in at(treaty, record, "1994-01-01").rejected]
    assert any("already continues" in m for m in messages), messages


@pytest.mark.parametrize(("act", "fragment", "column"), [
    ("{date: 1993-01-01, kind: succession, party: SK}", "names the predecessor", "kind"),
    ("{date: 1993-01-01, kind: succession, party: SK, predecessor: SK}", "succeed itself", None),
    ("{date: 1993-01-01, kind: succession, party: SK, predecessor: CSK}", "'CS'", None),
    ("{date: 1993-01-01, kind: ratification, party: SK, predecessor: CS}", "only a succession",
     None),
    ("{date: 1993-01-01, effective: 1993-02-01, kind: succession, party: SK, predecessor: CS}",
     "on or before its notification", None),
])
def test_bad_succession_fields_are_located(tmp_path: Path, act: str, fragment: str,
                                           column: str | None) -> None:
    treaty = write_treaty(tmp_path, OPEN_TREATY)
    record = write_record(tmp_path, treaty, "- " + act)
    assert not record.acts
    problem = record.rejected[0]
    assert fragment in str(problem), str(problem)
    assert problem.position is not None and problem.position.line == 3
    assert problem.position.column is not None and problem.position.column > 3


# --- open participation -------------------------------------------------------------------


def test_an_open_treaty_accepts_any_states_instrument(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path, """
        - {date: 2000-01-01, kind: signature, party: FR}
        - {date: 2000-02-01, kind: ratification, party: FR}
        - {date: 2000-01-01, kind: signature, party: DE}
        - {date: 2000-03-01, kind: ratification, party: DE}
    """)
    assert not record.rejected
    result = at(treaty, record, "2000-03-01")
    assert result.in_force_since == d("2000-03-01")
    assert result.parties["FR"].declared is False
    assert result.parties["FR"].standing == "bound"


def test_an_open_treaty_still_rejects_unknown_codes_with_a_suggestion(tmp_path: Path) -> None:
    _, record = loaded(tmp_path, "- {date: 2000-01-01, kind: signature, party: Germany}")
    assert not record.acts
    assert "'DE'" in str(record.rejected[0]) and "record.yaml:3:" in str(record.rejected[0])


def test_a_closed_treaty_rejects_undeclared_states(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, OPEN_TREATY.replace("    open_to: all_states\n", ""))
    record = write_record(tmp_path, treaty, "- {date: 2000-01-01, kind: signature, party: FR}")
    assert not record.acts and "not a party" in str(record.rejected[0])


def test_a_step_open_to_any_state(tmp_path: Path) -> None:
    text = OPEN_TREATY.replace("    open_to: all_states\n", "").replace(
        "ratification: {requires: [signature]}", "ratification: {open_to: any_state}")
    treaty = write_treaty(tmp_path, text)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: ratification, party: FR}
        - {date: 2000-01-01, kind: signature, party: DE}
    """)
    assert [a.party for a in record.acts] == ["FR"]
    assert "'DE' is not a party" in str(record.rejected[0])


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["SU", "CS", "YU", "DD", "FR", "KP", "RU", "CSXX"]))
def test_any_state_or_former_state_may_sign_an_open_treaty(code: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        treaty, record = loaded(Path(folder),
                                f"- {{date: 2000-01-01, kind: signature, party: {code}}}")
        assert not record.rejected
        assert at(treaty, record, "2000-01-01").parties[code].standing == "signatory"


# --- regional economic integration organisations ----------------------------------------------

REIO_TREATY = """\
    id: reio
    title: With a regional organisation
    open_to: all_states
    parties:
      - {code: EU, kind: organisation, name: European Community}
    groups:
      eu_members: [AT, DE]
    regional_organisations:
      EU:
        members: [eu_members]
        article: Art. 25(3)
        text: shall not be counted as additional to those deposited by States members
    procedure:
      approval: {}
      ratification: {}
    entry_into_force:
      when: {count: {instruments: [consent], at_least: 3}}
"""


def test_a_regional_organisation_is_not_counted_beside_its_members(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REIO_TREATY)
    record = write_record(tmp_path, treaty, """
        - {date: 2002-05-31, kind: approval, party: EU}
        - {date: 2002-05-31, kind: ratification, party: AT}
        - {date: 2002-06-01, kind: ratification, party: JP}
        - {date: 2002-07-01, kind: ratification, party: CA}
    """)
    assert not record.rejected
    pending = at(treaty, record, "2002-06-01")
    assert not pending.in_force
    text = " ".join(pending.pending)
    assert "2 of the 3 required" in text and "not counted as additional" in text
    assert at(treaty, record, "2002-07-01").in_force_since == d("2002-07-01")


def test_a_regional_organisation_counts_when_no_member_has_deposited(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REIO_TREATY)
    record = write_record(tmp_path, treaty, """
        - {date: 2002-05-31, kind: approval, party: EU}
        - {date: 2002-06-01, kind: ratification, party: JP}
        - {date: 2002-07-01, kind: ratification, party: CA}
    """)
    assert at(treaty, record, "2002-07-01").in_force_since == d("2002-07-01")


def test_counted_as_additional_when_the_treaty_says_so(tmp_path: Path) -> None:
    text = textwrap.dedent(REIO_TREATY).replace(
        "members: [eu_members]", "members: [eu_members]\n    counted_as_additional: true")
    treaty = write_treaty(tmp_path, text)
    record = write_record(tmp_path, treaty, """
        - {date: 2002-05-31, kind: approval, party: EU}
        - {date: 2002-05-31, kind: ratification, party: AT}
        - {date: 2002-06-01, kind: ratification, party: JP}
    """)
    assert at(treaty, record, "2002-06-01").in_force_since == d("2002-06-01")


@pytest.mark.parametrize(("change", "fragment"), [
    (("regional_organisations:\n  EU:", "regional_organisations:\n  EC:"), "unknown party 'EC'"),
    (("kind: organisation, name", "kind: entity, name"), "kind: organisation"),
    (("members: [eu_members]", "members: [eu_member]"), "'eu_members'"),
    (("members: [eu_members]", "members: [EU]"), "its own member"),
])
def test_bad_regional_organisations_are_located(tmp_path: Path, change: tuple[str, str],
                                                fragment: str) -> None:
    text = textwrap.dedent(REIO_TREATY).replace(*change)
    errors = spec_errors(tmp_path, text)
    assert any(fragment in e and "treaty.yaml:" in e for e in errors), errors


# --- disputed acts -------------------------------------------------------------------------

DISPUTED = HISTORY + """\
    - {date: 1985-12-12, kind: signature, party: KP}
    - {date: 1985-12-12, kind: ratification, party: KP}
    - {id: kp-out, date: 2003-01-10, kind: withdrawal, party: KP, disputed_by: [JP],
       reading: not_withdrawn}
"""


def test_a_disputed_act_is_shown_under_each_reading(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path, DISPUTED)
    assert not record.rejected
    result = at(treaty, record, "2003-04-10")
    assert result.parties["KP"].standing == "withdrawn"
    assert result.parties["KP"].withdrawn_since == d("2003-04-10")
    (reading,) = result.readings
    assert reading.name == "not_withdrawn" and reading.disputed_by == ("JP",)
    assert reading.disregarded == ("kp-out",)
    assert reading.status.parties["KP"].standing == "bound"
    assert reading.status.readings == ()
    json = result.to_json()
    assert json["readings"][0]["status"]["parties"]["KP"]["standing"] == "bound"


def test_no_reading_before_the_disputed_act(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path, DISPUTED)
    result = at(treaty, record, "2003-01-09")
    assert result.readings == () and "readings" not in result.to_json()


def test_acts_of_one_reading_are_disregarded_together(tmp_path: Path) -> None:
    treaty, record = loaded(tmp_path, DISPUTED + """\
    - {date: 2003-02-01, kind: withdrawal, party: RU, disputed_by: [JP], reading: not_withdrawn}
    - {date: 2003-02-01, kind: withdrawal, party: CZ, disputed_by: [SK]}
    """)
    result = at(treaty, record, "2004-01-01")
    assert [r.name for r in result.readings] == ["disputed", "not_withdrawn"]
    by_name = {r.name: r.status.parties for r in result.readings}
    assert by_name["not_withdrawn"]["RU"].standing == "bound"
    assert result.parties["RU"].standing == "withdrawn"
    assert by_name["not_withdrawn"]["CZ"].standing == "withdrawn"
    assert by_name["disputed"]["CZ"].standing == "bound"


@pytest.mark.parametrize(("act", "fragment"), [
    ("{date: 2003-01-10, kind: withdrawal, party: SU, disputed_by: [JPN]}", "'JP'"),
    ("{date: 2003-01-10, kind: withdrawal, party: SU, disputed_by: [SU]}", "its own act"),
    ("{date: 2003-01-10, kind: withdrawal, party: SU, reading: mine}", "only for a disputed"),
])
def test_bad_disputes_are_located(tmp_path: Path, act: str, fragment: str) -> None:
    treaty = write_treaty(tmp_path, OPEN_TREATY)
    record = write_record(tmp_path, treaty, "- " + act)
    assert not record.acts
    assert fragment in str(record.rejected[0]) and record.rejected[0].position is not None
    assert record.rejected[0].position.line == 3


def test_the_status_text_shows_the_readings_side_by_side(tmp_path: Path) -> None:
    from rich.console import Console

    from treatyline.console import status_view

    treaty, record = loaded(tmp_path, DISPUTED)
    console = Console(width=200, record=True)
    console.print(status_view(at(treaty, record, "2003-04-10")))
    text = console.export_text()
    assert "not_withdrawn (disputed by JP; without kp-out)" in text
    side_by_side = text[text.index("Disputed acts"):]
    row = next(line for line in side_by_side.splitlines() if "KP North Korea" in line)
    assert "withdrawn since 2003-04-10" in row and "bound since 1985-12-12" in row


def test_the_timeline_names_successions_not_entries_into_force(tmp_path: Path) -> None:
    from treatyline.timeline import timeline

    treaty, record = loaded(tmp_path)
    entries = timeline(treaty, record)
    texts = [(e.day.isoformat(), e.description) for e in entries]
    assert ("1991-12-24", "Succession: The Russian Federation continues the participation of "
            "the Union of Soviet Socialist Republics") in texts
    assert ("1993-01-01", "Slovakia holds the standing of Czechoslovakia: bound since "
            "1993-01-01") in texts
    assert not any("Entry into force for Russian" in text for _, text in texts)


def test_a_csv_record_may_carry_successions_and_disputes(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, OPEN_TREATY)
    path = tmp_path / "record.csv"
    path.write_text(
        "date,kind,party,predecessor,continuation,effective,disputed_by,reading,source\n"
        "1970-01-01,signature,SU,,,,,,t\n"
        "1970-02-01,ratification,SU,,,,,,t\n"
        "1970-01-01,signature,CS,,,,,,t\n"
        "1970-03-01,ratification,CS,,,,,,t\n"
        "1991-12-24,succession,RU,SU,true,,,,t\n"
        "2003-01-10,withdrawal,RU,,,,US;CS,not_withdrawn,t\n", encoding="utf-8")
    record = load_record(path, treaty)
    assert not record.rejected, record.rejected
    result = at(treaty, record, "2004-01-01")
    assert result.parties["RU"].standing == "withdrawn"
    (reading,) = result.readings
    assert reading.disputed_by == ("US", "CS")
    assert reading.status.parties["RU"].standing == "bound"


def test_successors_take_their_predecessors_place_in_declared_groups(tmp_path: Path) -> None:
    text = OPEN_TREATY.replace("    procedure:", "    groups:\n      founders: [SU, CS]\n"
                               "    procedure:")
    treaty = write_treaty(tmp_path, text)
    record = write_record(tmp_path, treaty, HISTORY)
    ev = evaluate(treaty, record)
    assert ev.snapshot(d("1980-01-01")).members("founders") == {"SU", "CS"}
    assert ev.snapshot(d("1992-01-01")).members("founders") == {"RU", "CS"}
    assert ev.snapshot(d("1993-06-01")).members("founders") == {"RU", "CZ", "SK"}


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(1969, 1, 1), max_value=date(2030, 1, 1)))
def test_never_a_predecessor_and_its_successor_together(day: date) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        treaty, record = loaded(Path(folder))
        snap = evaluate(treaty, record).snapshot(day)
        for group in (snap.parties_with(("ratification",)), snap.members("bound"),
                      snap.members("signatories"), snap.members("parties")):
            assert not ({"SU", "RU"} <= group or {"CS", "CZ"} <= group or {"CS", "SK"} <= group)
        assert len(snap.parties_with(("ratification",))) <= 3
