"""Referendums as they really happen: several votes that must all pass, binding and
consultative votes, quorums, a second vote after a rejection, null and void, a party
dropping out, a parliament replacing the popular vote or ratifying before it; and the
located errors of every new form."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spec_files import at, d, says, write_record, write_treaty
from treatyline.errors import RecordError, SpecError
from treatyline.record import load_record
from treatyline.referendums import judge
from treatyline.spec.referendum_model import ReferendumApproval, ReferendumDeclaration
from treatyline.timeline import timeline


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        write_treaty(tmp_path, text)
    return [str(diagnostic) for diagnostic in caught.value.diagnostics]


# --- two referendums in two jurisdictions, each with its own question ----------------------

TWO_VOTES = """
id: two-votes
title: An agreement approved by two referendums
parties: [{code: GB}, {code: IE}]
referendums:
  northern_ireland:
    held_by: GB
    jurisdiction: GB-NIR
    question: Do you support the agreement?
    binding: false
  ireland:
    held_by: IE
    question: Do you approve the amendment of the Constitution?
    binding: true
procedure:
  ratification: {}
entry_into_force:
  when:
    all:
      - referendum: northern_ireland
      - referendum: ireland
      - including: {instruments: [ratification], parties: [GB, IE]}
"""


def test_every_referendum_must_pass(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, TWO_VOTES)
    record = write_record(tmp_path, treaty, """
        - {date: 2020-05-22, kind: referendum, party: GB, yes_share: 0.71, turnout: 0.81}
        - {date: 2020-06-01, kind: ratification, party: GB}
        - {date: 2020-06-01, kind: ratification, party: IE}
        - {date: 2020-07-01, kind: referendum, party: IE, yes_share: 0.94, turnout: 0.56}
    """)
    before = at(treaty, record, "2020-06-30")
    assert before.state == "not_in_force"
    assert says(before.pending, "referendum in Ireland has not been held")
    assert not says(before.pending, "Northern Ireland")  # that one has passed
    assert at(treaty, record, "2020-07-01").in_force_since == d("2020-07-01")


def test_a_vote_names_its_referendum_and_the_timeline_its_jurisdiction(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, TWO_VOTES)
    record = write_record(tmp_path, treaty, """
        - {date: 2020-05-22, kind: referendum, party: GB, referendum: northern_ireland,
           yes_share: 0.4, turnout: 0.8}
    """)
    result = at(treaty, record, "2020-06-01")
    assert says(result.pending, "referendum in Northern Ireland of 2020-05-22",
                "did not approve", "yes 40.0%", "a further vote on the treaty may be held")
    entries = [e.description for e in timeline(treaty, record) if e.what == "referendum"]
    assert entries == ["Referendum in Northern Ireland (consultative): yes 40.0%, turnout "
                       "80.0% — not approved. Question: Do you support the agreement?"]


# --- quorums: binding, consultative, unknown --------------------------------------------------

QUORUM = """
id: quorum
title: One referendum with a quorum
parties: [{code: NL}, {code: BE}]
referendums:
  nl:
    held_by: NL
    BINDING
    approval: {turnout_at_least: 0.3}
procedure:
  ratification: {}
entry_into_force:
  when:
    all:
      - referendum: NL
      - including: {instruments: [ratification], parties: [NL, BE]}
"""

LOW_TURNOUT = """
- {date: 2020-04-06, kind: referendum, party: NL, yes_share: 0.6, turnout: 0.25}
- {date: 2020-05-01, kind: ratification, party: NL}
- {date: 2020-05-01, kind: ratification, party: BE}
"""


def test_a_consultative_vote_below_its_quorum_leaves_the_decision_to_parliament(
    tmp_path: Path,
) -> None:
    treaty = write_treaty(tmp_path, QUORUM.replace("BINDING", "binding: false"))
    record = write_record(tmp_path, treaty, LOW_TURNOUT)
    assert at(treaty, record, "2020-05-01").in_force_since == d("2020-05-01")
    words = [e.description for e in timeline(treaty, record) if e.what == "referendum"]
    assert "no valid result" in words[0] and "parliament decides" in words[0]


def test_a_binding_vote_below_its_quorum_does_not_approve(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, QUORUM.replace("BINDING", "binding: true"))
    record = write_record(tmp_path, treaty, LOW_TURNOUT)
    result = at(treaty, record, "2021-01-01")
    assert result.state == "not_in_force"
    assert says(result.pending, "did not approve", "turnout 25.0% below the quorum of 30%")


def test_a_vote_of_unknown_nature_below_its_quorum_says_what_is_unknown(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, QUORUM.replace("BINDING", "note: not known"))
    record = write_record(tmp_path, treaty, LOW_TURNOUT)
    result = at(treaty, record, "2021-01-01")
    assert result.state == "not_in_force"
    assert says(result.pending, "below the quorum", "which the treaty file does not say")


ELECTORATE = """
id: electorate
title: Yes above a share of the electorate and more yes than no
parties: [{code: DK}]
referendums:
  dk:
    held_by: DK
    binding: true
    approval: {yes_of_electorate_at_least: 0.3, quorum_only_if_binding: true}
procedure:
  ratification: {}
entry_into_force:
  when: {all: [{referendum: DK}, {including: {instruments: [ratification], parties: [DK]}}]}
"""


@pytest.mark.parametrize(("yes", "of_electorate", "approved"), [
    (0.6, 0.29, False),  # a majority, too few of the electorate
    (0.6, 0.31, True),
    (0.5, 0.45, False),  # enough of the electorate, no majority
])
def test_approval_quorum_on_the_electorate(tmp_path: Path, yes: float, of_electorate: float,
                                           approved: bool) -> None:
    treaty = write_treaty(tmp_path, ELECTORATE)
    record = write_record(tmp_path, treaty, f"""
        - {{date: 2020-01-10, kind: ratification, party: DK}}
        - {{date: 2020-02-01, kind: referendum, party: DK, yes_share: {yes}, turnout: 0.9,
           yes_of_electorate: {of_electorate}}}
    """)
    assert at(treaty, record, "2020-02-01").in_force == approved


@given(yes=st.floats(0, 1), turnout=st.floats(0, 1), quorum=st.floats(0.01, 1),
       binding=st.sampled_from([True, False, None]))
def test_outcome_follows_the_rule(yes: float, turnout: float, quorum: float,
                                  binding: bool | None) -> None:
    spec = ReferendumDeclaration(held_by="NL", binding=binding,
                                 approval=ReferendumApproval(turnout_at_least=quorum))
    result = judge(spec, d("2020-01-01"), yes, turnout, None, True, "x")
    assert result.approved == (yes > 0.5 and turnout >= quorum)
    # only a consultative vote below its quorum is inconclusive; a binding one is rejected
    assert (result.outcome == "inconclusive") == (turnout < quorum and binding is False)


# --- a second vote; null and void; a deadline ----------------------------------------------

SECOND = """
id: second
title: A treaty that one state puts to the vote
parties: [{code: IE}, {code: CZ}]
referendums:
  ireland:
    held_by: IE
    binding: true
    ON_REJECTION
procedure:
  ratification: {}
entry_into_force:
  when:
    all:
      - referendum: ireland
      - including: {instruments: [ratification], parties: [IE, CZ]}
  effective: {then: first_day_of_next_month}
"""

TWO_IRISH_VOTES = """
- {date: 2008-05-01, kind: ratification, party: CZ}
- {date: 2008-06-12, kind: referendum, party: IE, yes_share: 0.466, turnout: 0.53}
- {date: 2009-10-02, kind: referendum, party: IE, yes_share: 0.671, turnout: 0.59}
- {date: 2009-10-23, kind: ratification, party: IE}
"""


def test_a_second_vote_after_a_rejection_and_what_is_pending_between(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, SECOND.replace("ON_REJECTION", "on_rejection: vote_again"))
    record = write_record(tmp_path, treaty, TWO_IRISH_VOTES)
    between = at(treaty, record, "2009-01-15")
    assert between.state == "not_in_force"
    assert says(between.pending, "referendum in Ireland of 2008-06-12", "did not approve",
                "a further vote on the treaty may be held")
    assert says(between.pending, "ratification by Ireland")
    assert at(treaty, record, "2009-11-01").in_force_since == d("2009-11-01")


def test_a_rejection_that_voids_the_treaty(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, SECOND.replace("ON_REJECTION", "on_rejection: void"))
    record = write_record(tmp_path, treaty, TWO_IRISH_VOTES)
    before = at(treaty, record, "2008-06-11")
    assert before.state == "not_in_force"
    after = at(treaty, record, "2010-01-01")
    assert after.state == "terminated"
    assert after.in_force_since is None and after.terminated_since == d("2008-06-12")
    assert after.pending == ()
    assert says([str(r) for r in after.because], "null and void since 2008-06-12",
                "never in force", "rejected it")
    ends = [e for e in timeline(treaty, record) if e.what == "terminated"]
    assert [(e.day, "never entered into force" in e.description) for e in ends] == [
        (d("2008-06-12"), True)]


def test_a_deadline_passed_without_approval_voids_the_treaty(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, SECOND.replace("ON_REJECTION", "deadline: 2009-06-30"))
    record = write_record(tmp_path, treaty, TWO_IRISH_VOTES)
    between = at(treaty, record, "2009-06-30")
    assert between.state == "not_in_force"
    assert says(between.pending, "a further vote on the treaty may be held by 2009-06-30")
    late = at(treaty, record, "2009-12-31")
    assert late.state == "terminated" and late.terminated_since == d("2009-07-01")
    assert says([str(r) for r in late.because], "did not approve it by the deadline")



def test_a_deadline_before_the_text_was_adopted_names_both_places(tmp_path: Path) -> None:
    text = SECOND.replace("ON_REJECTION", "deadline: 2007-06-30").replace(
        "title: A treaty", "adopted: 2007-12-13\ntitle: A treaty")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    assert "treaty.yaml:10:15: error: the deadline 2007-06-30 is before the text was adopted" \
        in errors[0]
    assert "(2007-12-13, at " in errors[0] and "treaty.yaml:3:10)" in errors[0]

# --- drop out: the others proceed (partial entry into force) -------------------------------

DROP_OUT = """
id: accession
title: An accession treaty for three states
parties: [{code: "NO"}, {code: AT}, {code: SE}, {code: BE}]
referendums:
  norway:
    held_by: "NO"
    binding: false
    on_rejection: drop_out
procedure:
  signature: {}
  ratification: {requires: [signature]}
entry_into_force:
  when: {including: {instruments: [ratification], parties: [signatories]}}
  effective: 0 days
  not_before: 1995-01-01
"""


def test_a_party_whose_referendum_fails_drops_out_and_the_others_proceed(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, DROP_OUT)
    record = write_record(tmp_path, treaty, """
        - {date: 1994-06-24, kind: signature, party: "NO"}
        - {date: 1994-06-24, kind: signature, party: AT}
        - {date: 1994-06-24, kind: signature, party: SE}
        - {date: 1994-06-24, kind: signature, party: BE}
        - {date: 1994-10-01, kind: ratification, party: AT}
        - {date: 1994-10-01, kind: ratification, party: BE}
        - {date: 1994-11-28, kind: referendum, party: "NO", yes_share: 0.478, turnout: 0.886}
        - {date: 1994-12-15, kind: ratification, party: SE}
    """)
    before = at(treaty, record, "1994-11-27")
    assert says(before.pending, "needs ratification by", "Norway")
    result = at(treaty, record, "1995-01-01")
    assert result.in_force_since == d("1995-01-01")
    bound = {code for code, party in result.parties.items() if party.is_bound}
    assert bound == {"AT", "SE", "BE"}
    assert result.parties["NO"].standing == "signatory"
    assert result.pending == ()
    assert says([str(r) for r in result.because], "Norway dropped out on 1994-11-28")
    drops = [e for e in timeline(treaty, record) if e.what == "dropped_out"]
    assert [(e.day, e.party) for e in drops] == [(d("1994-11-28"), "NO")]


# --- parliament replaces the popular vote; parliament before the vote ----------------------

def test_a_parliament_replaces_the_popular_vote_once_the_text_is_renegotiated(
    tmp_path: Path,
) -> None:
    treaty = write_treaty(tmp_path, """
        id: replaced
        title: A treaty renegotiated after a rejection
        parties: [{code: FR}, {code: DE}]
        facts:
          renegotiated: {description: The text has been renegotiated}
        referendums:
          france: {held_by: FR, binding: true, replaced_when: renegotiated}
        procedure:
          ratification: {}
        entry_into_force:
          when:
            all:
              - referendum: france
              - including: {instruments: [ratification], parties: [FR, DE]}
    """)
    record = write_record(tmp_path, treaty, """
        - {date: 2005-05-29, kind: referendum, party: FR, yes_share: 0.45, turnout: 0.69}
        - {date: 2006-01-01, kind: ratification, party: DE}
        - {date: 2007-12-13, kind: fact, fact: renegotiated}
        - {date: 2008-02-14, kind: ratification, party: FR}
    """)
    between = at(treaty, record, "2007-06-01")
    assert says(between.pending, "referendum in France of 2005-05-29", "did not approve",
                "replaced once this is established", "The text has been renegotiated")
    assert at(treaty, record, "2008-02-13").state == "not_in_force"
    assert at(treaty, record, "2008-02-14").in_force_since == d("2008-02-14")


def test_parliament_may_ratify_before_the_vote_and_binds_only_once_it_passes(
    tmp_path: Path,
) -> None:
    treaty = write_treaty(tmp_path, """
        id: before
        title: A parliament that ratifies before the referendum
        parties: [{code: DK}, {code: DE}, {code: FR}]
        referendums:
          denmark: {held_by: DK, binding: true}
        procedure:
          ratification: {}
        entry_into_force:
          when: {count: {instruments: [ratification], at_least: 2}}
    """)
    record = write_record(tmp_path, treaty, """
        - {date: 1992-05-12, kind: ratification, party: DK, organ: Folketing}
        - {date: 1992-06-02, kind: referendum, party: DK, yes_share: 0.49, turnout: 0.83}
        - {date: 1992-07-01, kind: ratification, party: DE}
        - {date: 1992-08-01, kind: ratification, party: FR}
        - {date: 1993-05-18, kind: referendum, party: DK, yes_share: 0.57, turnout: 0.87}
    """)
    assert at(treaty, record, "1992-05-12").rejected == ()  # the early ratification counts
    early = at(treaty, record, "1993-01-01")
    assert early.in_force_since == d("1992-07-01")
    assert not early.parties["DK"].is_bound
    later = at(treaty, record, "1993-05-18")
    assert later.parties["DK"].bound_since == d("1993-05-18")


# --- errors -----------------------------------------------------------------------------------

ERRORS_BASE = TWO_VOTES


@pytest.mark.parametrize(("change", "expected"), [
    (("jurisdiction: GB-NIR", "jurisdiction: GB-NIRR"),
     ("unknown jurisdiction 'GB-NIRR'", "did you mean 'GB-NIR'", "treaty.yaml:8:19")),
    (("jurisdiction: GB-NIR", "jurisdiction: IE-D"),
     ("'IE-D'", "not part of 'GB'",)),
    (("held_by: IE", "held_by: ie"), ("unknown party 'ie'", "did you mean 'IE'")),
    (("binding: true\n", "binding: true\n    approval: {turnout_at_least: 1.5}\n"),
     ("turnout_at_least", "less than or equal to 1", "treaty.yaml:15:")),
    (("binding: true\n", "binding: true\n    approval: {yes_of_electorate_at_least: 0}\n"),
     ("yes_of_electorate_at_least", "greater than 0")),
    (("binding: false\n", "binding: false\n    approval: {turnout_at_least: 0.3, "
                          "quorum_only_if_binding: true}\n"),
     ("only to a binding vote", "consultative", "binding: false at ", "treaty.yaml:11:")),
    (("referendum: ireland\n", "referendum: irland\n"),
     ("unknown referendum 'irland'", "did you mean 'ireland'")),
    (("    binding: true\n", "    binding: true\n    replaced_when: renegociated\n"),
     ("unknown fact 'renegociated'",)),
    (("    binding: true\n", "    binding: true\n    on_rejection: drop\n"),
     ("on_rejection",)),
    (("    binding: true\n", "    binding: true\n    quorum: 0.5\n"),
     ("unknown field 'quorum'",)),
])
def test_bad_declarations_are_located(tmp_path: Path, change: tuple[str, str],
                                      expected: tuple[str, ...]) -> None:
    assert change[0] in ERRORS_BASE
    errors = errors_of(tmp_path, ERRORS_BASE.replace(change[0], change[1], 1))
    assert says(errors, *expected), errors


def test_older_form_and_new_form_together_is_an_error_naming_both(tmp_path: Path) -> None:
    text = TWO_VOTES.replace("  ratification: {}", "  ratification: {}\n  referendum: "
                             "{held_by: IE}")
    errors = errors_of(tmp_path, text)
    assert says(errors, "older form", "treaty.yaml:6:", "procedure.referendum"), errors


def test_a_party_holding_two_referendums_must_be_named_in_a_rule(tmp_path: Path) -> None:
    text = TWO_VOTES.replace("held_by: IE", "held_by: GB").replace("referendum: ireland\n",
                                                                    "referendum: GB\n")
    errors = errors_of(tmp_path, text)
    assert says(errors, "'GB' holds 2 referendums", "name the one meant"), errors


@pytest.mark.parametrize(("act", "expected"), [
    ("{date: 2020-01-01, kind: referendum, party: GB, referendum: northern_irland, "
     "yes_share: 0.5}", ("unknown referendum 'northern_irland'", "did you mean "
                         "'northern_ireland'", "record.yaml:3:")),
    ("{date: 2020-01-01, kind: referendum, party: IE, referendum: northern_ireland, "
     "yes_share: 0.5}", ("is held by GB, not IE",)),
    ("{date: 2020-01-01, kind: referendum, party: GB}", ("needs yes_share",)),
    ("{date: 2020-01-01, kind: referendum, party: GB, yes_share: 0.5, turnout: 0.4, "
     "yes_of_electorate: 0.45}", ("yes_of_electorate 0.45 is more than turnout 0.4",
                                  "cannot both be true")),
    ("{date: 2020-01-01, kind: ratification, party: GB, referendum: ireland}",
     ("only a referendum act has referendum",)),
])
def test_bad_votes_are_rejected_with_their_place(tmp_path: Path, act: str,
                                                 expected: tuple[str, ...]) -> None:
    treaty = write_treaty(tmp_path, TWO_VOTES)
    record = write_record(tmp_path, treaty, f"- {act}")
    assert record.acts == ()
    messages = [str(diagnostic) for diagnostic in record.rejected]
    assert says(messages, *expected), messages


def test_a_vote_by_a_party_that_holds_none(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, QUORUM.replace("BINDING", "binding: true"))
    record = write_record(tmp_path, treaty,
                          "- {date: 2020-01-01, kind: referendum, party: BE, yes_share: 0.5}")
    assert says([str(x) for x in record.rejected], "BE holds no referendum", "held by: NL")


def test_an_electorate_quorum_needs_the_figure(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, ELECTORATE)
    record = write_record(tmp_path, treaty,
                          "- {date: 2020-01-01, kind: referendum, party: DK, yes_share: 0.6}")
    assert says([str(x) for x in record.rejected], "needs yes_of_electorate")


def test_no_traceback_on_a_record_of_the_wrong_shape(
        tmp_path: Path, write: Callable[[str, str], Path]) -> None:
    treaty = write_treaty(tmp_path, TWO_VOTES)
    path = write("bad.yaml", "acts: {kind: referendum}\n")
    with pytest.raises(RecordError):
        load_record(path, treaty)


def test_the_command_line_says_null_and_void_never_in_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line for the header, whatever the terminal
    import sys

    from treatyline.cli import main

    (tmp_path / "treaty.yaml").write_text(textwrap.dedent(
        SECOND.replace("ON_REJECTION", "on_rejection: void")), encoding="utf-8")
    (tmp_path / "record.yaml").write_text("source: test\nacts:\n" + textwrap.indent(
        textwrap.dedent(TWO_IRISH_VOTES).strip(), "  ") + "\n", encoding="utf-8")
    argv, sys.argv = sys.argv, ["treatyline", "status", str(tmp_path), "--as-of", "2010-01-01"]
    try:
        with pytest.raises(SystemExit) as exit_info:
            main()
    finally:
        sys.argv = argv
    assert exit_info.value.code in (0, None)
    out = " ".join(capsys.readouterr().out.split())
    assert "TERMINATED since 2008-06-12: null and void, never in force" in out


def test_a_party_whose_vote_is_pending_is_not_counted_as_bound_in_rules(tmp_path: Path) -> None:
    # accession is open once two parties are bound; Denmark ratified first, its vote later
    treaty = write_treaty(tmp_path, """
        id: bound-group
        title: Accession once two parties are bound
        parties: [{code: DK}, {code: DE}, {code: FR}, {code: IT}]
        referendums:
          denmark: {held_by: DK, binding: true}
        procedure:
          ratification: {}
          accession: {only_when: {count: {by: bound, at_least: 2}}}
        entry_into_force:
          when: {count: {instruments: [ratification], at_least: 1}}
    """)
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: DK}
        - {date: 2020-01-01, kind: ratification, party: DE}
        - {date: 2020-02-01, kind: accession, party: IT}
        - {date: 2020-03-01, kind: referendum, party: DK, yes_share: 0.6}
        - {date: 2020-04-01, kind: accession, party: FR}
    """)
    result = at(treaty, record, "2020-04-01")
    assert result.parties["DK"].bound_since == d("2020-03-01")
    assert says([str(x) for x in result.rejected], "accession by Italy on 2020-02-01")
    assert result.parties["FR"].is_bound


@given(shares=st.lists(st.floats(0, 1), min_size=1, max_size=6),
       rule=st.sampled_from(["vote_again", "void", "drop_out"]))
def test_the_way_opens_on_the_first_approval_unless_a_rejection_closed_it(
        shares: list[float], rule: str) -> None:
    from datetime import timedelta

    from treatyline.referendums import closes_on, opens_on

    spec = ReferendumDeclaration(held_by="IE", on_rejection=rule)  # type: ignore[arg-type]
    start = d("2000-01-01")
    votes = [judge(spec, start + timedelta(days=30 * i), share, 0.6, None, True, str(i))
             for i, share in enumerate(shares)]
    first_yes = next((v.day for v in votes if v.yes_share > 0.5), None)
    first_no = next((v.day for v in votes if v.yes_share <= 0.5), None)
    opened = opens_on(spec, votes, {})
    closed = closes_on(spec, votes, opened)
    if rule == "vote_again" or first_no is None or (first_yes is not None
                                                    and first_yes < first_no):
        assert (opened, closed) == (first_yes, None)
    else:  # a rejection closed the way for good: a later approval does not reopen it
        assert (opened, closed) == (None, first_no)


def test_a_party_that_may_drop_out_cannot_be_required_by_name(tmp_path: Path) -> None:
    text = DROP_OUT.replace("parties: [signatories]", "parties: [AT, \"NO\", SE]")
    errors = errors_of(tmp_path, text)
    assert says(errors, "requires 'NO' by name", "on_rejection: drop_out (at ",
                "treaty.yaml:9:", "name a group"), errors
