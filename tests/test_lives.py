"""A party's life as a sequence of periods: rejoining after a withdrawal, revoking a notice
of withdrawal before it takes effect, revoking an instrument of consent before it binds, and
the refusals (each naming the earlier act) when the record contradicts itself."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_files import at, d, says, write_record, write_treaty
from treatyline import timeline
from treatyline.status import Status


def rejections(result: Status) -> list[str]:
    return [diagnostic.message for diagnostic in result.rejected]


def periods(result: Status, code: str) -> list[dict[str, str | None]]:
    found = result.to_json()["parties"][code]["bound_periods"]
    assert isinstance(found, list)
    return found


# An agreement like Paris: 30 days after two instruments; late instruments 30 days after
# their deposit; withdrawal one year after notice, from three years after entry into force
# for the party.
AGREEMENT = """
id: lives-test
title: An agreement parties may leave and rejoin
parties: [{code: FR}, {code: DE}, {code: US}]
procedure:
  signature: {}
  acceptance: {article: Article 20}
  withdrawal:
    article: Article 28
    notice: 1 year
    not_before: 3 years
    not_before_from: entry_into_force_for_party
entry_into_force:
  article: Article 21
  when: {count: {at_least: 2}}
  effective: 30 days
  late_instruments: 30 days
  late_instruments_after: conditions_met
"""

HISTORY = """
- {date: 2016-01-01, kind: signature, party: US}
- {date: 2016-09-03, kind: acceptance, party: US, id: us-acceptance}
- {date: 2016-10-05, kind: acceptance, party: FR}
- {date: 2019-11-04, kind: withdrawal, party: US, id: us-notice}
- {date: 2021-01-20, kind: acceptance, party: US, id: us-again}
- {date: 2025-01-27, kind: withdrawal, party: US, id: us-second-notice}
"""


def test_a_party_rejoins_after_its_withdrawal_and_keeps_every_period(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, AGREEMENT)
    record = write_record(tmp_path, treaty, HISTORY)
    assert at(treaty, record, "2016-11-04").parties["US"].standing == "bound"
    assert at(treaty, record, "2020-11-03").parties["US"].standing == "withdrawing"
    gone = at(treaty, record, "2020-11-04")
    assert gone.parties["US"].standing == "withdrawn"
    assert periods(gone, "US") == [{"since": "2016-11-04", "until": "2020-11-04"}]
    back_soon = at(treaty, record, "2021-01-20")
    assert back_soon.parties["US"].standing == "consented"
    assert back_soon.parties["US"].consent == ("acceptance", d("2021-01-20"))
    assert at(treaty, record, "2021-02-18").parties["US"].standing == "consented"
    back = at(treaty, record, "2021-02-19")
    assert back.parties["US"].standing == "bound"
    assert back.parties["US"].bound_since == d("2021-02-19")
    assert periods(back, "US") == [{"since": "2016-11-04", "until": "2020-11-04"},
                                   {"since": "2021-02-19", "until": None}]
    assert says([r.statement for r in back.because], "was bound from 2016-11-04 until 2020-11-04")
    second = at(treaty, record, "2025-01-27").parties["US"]
    assert second.standing == "withdrawing" and second.notice_given_on == d("2025-01-27")
    # the second notice is measured from entry into force for the party in its new life
    out = at(treaty, record, "2026-01-27")
    assert out.parties["US"].standing == "withdrawn"
    assert periods(out, "US")[-1] == {"since": "2021-02-19", "until": "2026-01-27"}
    assert not out.rejected
    # the past is still answered from the life that governed it
    assert at(treaty, record, "2018-01-01").parties["US"].bound_since == d("2016-11-04")


def test_the_timeline_shows_each_period(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, AGREEMENT)
    record = write_record(tmp_path, treaty, HISTORY)
    derived = [(e.day.isoformat(), e.what) for e in timeline(treaty, record)
               if e.kind == "derived" and e.party == "US"]
    assert derived == [("2020-11-04", "withdrawal_effective"), ("2021-02-19", "bound"),
                       ("2026-01-27", "withdrawal_effective")]


def test_a_second_notice_in_the_new_life_counts_its_waiting_period_afresh(
        tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, AGREEMENT)
    record = write_record(tmp_path, treaty, """
        - {date: 2016-09-03, kind: acceptance, party: US}
        - {date: 2016-10-05, kind: acceptance, party: FR}
        - {date: 2019-11-04, kind: withdrawal, party: US}
        - {date: 2021-01-20, kind: acceptance, party: US}
        - {date: 2022-01-01, kind: withdrawal, party: US}
    """)
    result = at(treaty, record, "2022-06-01")
    assert result.parties["US"].standing == "bound"
    assert says(rejections(result), "withdrawal by the United States on 2022-01-01",
                "only from 2024-02-19", "2021-02-19")


def test_a_new_consent_while_notice_is_pending_names_the_notice(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, AGREEMENT)
    record = write_record(tmp_path, treaty, """
        - {date: 2016-09-03, kind: acceptance, party: US, id: us-acceptance}
        - {date: 2016-10-05, kind: acceptance, party: FR}
        - {date: 2019-11-04, kind: withdrawal, party: US, id: us-notice}
        - {date: 2020-06-01, kind: acceptance, party: US}
    """)
    result = at(treaty, record, "2021-01-01")
    assert result.parties["US"].standing == "withdrawn"
    assert says(rejections(result), "acceptance by the United States on 2020-06-01 does not "
                "count", "act us-notice", "takes effect on 2020-11-04", "act us-acceptance")


def test_a_new_consent_while_bound_is_rejected_naming_the_first(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, AGREEMENT)
    record = write_record(tmp_path, treaty, """
        - {date: 2016-09-03, kind: acceptance, party: US}
        - {date: 2016-10-05, kind: acceptance, party: FR}
        - {date: 2017-03-01, kind: acceptance, party: US}
    """)
    result = at(treaty, record, "2018-01-01")
    assert result.parties["US"].consent == ("acceptance", d("2016-09-03"))
    # unnamed acts are named by their place, file:line:column
    assert says(rejections(result), "acceptance by the United States on 2017-03-01 does not "
                "count", "already deposited its acceptance on 2016-09-03 (", "record.yaml:3:",
                "bound by it since 2016-11-04")


# --- revocation of a notice of withdrawal ---------------------------------------------------

STATUTE = """
id: statute-test
title: A statute whose parties may withdraw on one year's notice
parties: [{code: ZA}, {code: GM}, {code: BI}, {code: FR}]
procedure:
  ratification: {}
  withdrawal: {article: Article 127, notice: 1 year, later_date_allowed: true}
entry_into_force:
  when: {count: {at_least: 2}}
"""


def test_a_notice_revoked_before_it_takes_effect_has_no_effect(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, STATUTE)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-11-27, kind: ratification, party: ZA}
        - {date: 2002-06-28, kind: ratification, party: GM}
        - {date: 2004-09-21, kind: ratification, party: BI}
        - {date: 2016-10-19, kind: withdrawal, party: ZA}
        - {date: 2016-10-27, kind: withdrawal, party: BI}
        - {date: 2016-11-10, kind: withdrawal, party: GM}
        - {date: 2017-02-10, kind: revocation_of_withdrawal, party: GM}
        - {date: 2017-03-07, kind: revocation_of_withdrawal, party: ZA}
    """)
    pending = at(treaty, record, "2017-01-01")
    assert pending.parties["GM"].standing == "withdrawing"
    assert pending.parties["ZA"].standing == "withdrawing"
    after = at(treaty, record, "2018-01-01")
    assert after.parties["ZA"].standing == "bound"
    assert after.parties["ZA"].notice_given_on is None
    assert after.parties["GM"].standing == "bound"
    assert after.parties["BI"].standing == "withdrawn"
    assert after.parties["BI"].withdrawn_since == d("2017-10-27")
    assert not after.rejected
    assert says([r.statement for r in after.because], "South Africa gave notice of withdrawal",
                "revoked it on 2017-03-07", "before it took effect (2017-10-19)")
    # on a day between the notice and its revocation, the notice was pending
    assert at(treaty, record, "2017-03-06").parties["ZA"].notice_given_on == d("2016-10-19")
    # a new notice after the revocation counts afresh
    again = write_record(tmp_path, treaty, """
        - {date: 2000-11-27, kind: ratification, party: ZA}
        - {date: 2002-06-28, kind: ratification, party: GM}
        - {date: 2016-10-19, kind: withdrawal, party: ZA}
        - {date: 2017-03-07, kind: revocation_of_withdrawal, party: ZA}
        - {date: 2018-01-01, kind: withdrawal, party: ZA}
    """)
    assert at(treaty, again, "2019-01-01").parties["ZA"].standing == "withdrawn"


def test_revoking_a_notice_too_late_or_never_given_is_rejected(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, STATUTE)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-11-27, kind: ratification, party: ZA}
        - {date: 2002-06-28, kind: ratification, party: GM}
        - {date: 2004-09-21, kind: ratification, party: BI}
        - {date: 2016-10-27, kind: withdrawal, party: BI, id: bi-notice}
        - {date: 2017-10-27, kind: revocation_of_withdrawal, party: BI}
        - {date: 2017-03-07, kind: revocation_of_withdrawal, party: GM}
    """)
    result = at(treaty, record, "2018-01-01")
    assert result.parties["BI"].standing == "withdrawn"
    messages = rejections(result)
    assert says(messages, "revocation of withdrawal by Burundi on 2017-10-27 does not count",
                "act bi-notice", "took effect on 2017-10-27 (Article 127)",
                "only before it takes effect")
    assert says(messages, "revocation of withdrawal by the Gambia on 2017-03-07",
                "has given no notice")


def test_a_revocation_needs_what_it_revokes_in_the_procedure(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, """
        id: no-withdrawal
        title: A treaty without a withdrawal clause
        parties: [{code: FR}, {code: DE}]
        procedure: {ratification: {}}
        entry_into_force: {when: {count: {at_least: 2}}}
    """)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: revocation_of_withdrawal, party: FR}
    """)
    assert not record.acts
    (problem,) = record.rejected
    assert "revocation_of_withdrawal revokes a withdrawal or denunciation" in problem.message
    assert problem.position is not None and problem.position.line == 3


# --- revocation of an instrument of consent -----------------------------------------------

TEST_BAN = """
id: test-ban-test
title: A treaty that needs every listed state's ratification
parties: [{code: US}, {code: RU}, {code: FR}, {code: GB}]
groups:
  annex_2: [US, RU, FR, GB]
procedure:
  signature: {}
  ratification: {requires: [signature]}
entry_into_force:
  article: Article XIV
  when: {including: {instruments: [ratification], parties: [annex_2]}}
  effective: 180 days
"""


def test_a_revoked_ratification_counts_no_longer(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, TEST_BAN)
    record = write_record(tmp_path, treaty, """
        - {date: 1996-09-24, kind: signature, party: US}
        - {date: 1996-09-24, kind: signature, party: RU}
        - {date: 1996-09-24, kind: signature, party: FR}
        - {date: 1996-09-24, kind: signature, party: GB}
        - {date: 1998-04-06, kind: ratification, party: FR}
        - {date: 1998-04-06, kind: ratification, party: GB}
        - {date: 2000-06-30, kind: ratification, party: RU, id: ru-ratification}
        - {date: 2023-11-02, kind: revocation_of_consent, party: RU, id: ru-revocation}
    """)
    before = at(treaty, record, "2023-11-01")
    assert before.parties["RU"].standing == "consented"
    assert before.pending == ("needs ratification by the United States",)
    after = at(treaty, record, "2023-11-02")
    assert after.state == "not_in_force"
    assert after.parties["RU"].standing == "signatory"
    assert after.parties["RU"].consent is None
    assert after.pending == ("needs ratification by the Russian Federation and the United "
                             "States",)
    assert says([r.statement for r in after.because], "revoked its instrument of ratification "
                "of 2000-06-30 on 2023-11-02", "again a signatory")
    assert not after.rejected
    # and if the United States and Russia then ratify, it enters into force 180 days later
    more = write_record(tmp_path, treaty, """
        - {date: 1996-09-24, kind: signature, party: US}
        - {date: 1996-09-24, kind: signature, party: RU}
        - {date: 1996-09-24, kind: signature, party: FR}
        - {date: 1996-09-24, kind: signature, party: GB}
        - {date: 1998-04-06, kind: ratification, party: FR}
        - {date: 1998-04-06, kind: ratification, party: GB}
        - {date: 2000-06-30, kind: ratification, party: RU}
        - {date: 2023-11-02, kind: revocation_of_consent, party: RU}
        - {date: 2030-01-01, kind: ratification, party: US}
        - {date: 2031-01-01, kind: ratification, party: RU}
    """)
    result = at(treaty, more, "2032-01-01")
    assert result.conditions_met_on == d("2031-01-01")
    assert result.parties["RU"].consent == ("ratification", d("2031-01-01"))
    assert result.parties["RU"].bound_since == d("2031-06-30")


def test_revoking_a_ratification_never_made_or_binding_is_rejected(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, TEST_BAN)
    record = write_record(tmp_path, treaty, """
        - {date: 1996-09-24, kind: signature, party: US}
        - {date: 1996-09-24, kind: signature, party: RU}
        - {date: 1996-09-24, kind: signature, party: FR}
        - {date: 1996-09-24, kind: signature, party: GB}
        - {date: 1998-04-06, kind: ratification, party: FR}
        - {date: 1998-04-06, kind: ratification, party: GB}
        - {date: 2000-06-30, kind: ratification, party: RU}
        - {date: 2001-01-01, kind: ratification, party: US, id: us-ratification}
        - {date: 2002-01-01, kind: revocation_of_consent, party: US}
        - {date: 2000-01-01, kind: revocation_of_consent, party: RU}
    """)
    result = at(treaty, record, "2003-01-01")
    assert result.in_force_since == d("2001-06-30")
    assert result.parties["US"].standing == "bound"
    messages = rejections(result)
    assert says(messages, "revocation of consent by the United States on 2002-01-01 does not "
                "count", "in force for the United States since 2001-06-30", "act us-ratification",
                "leaves by withdrawal or denunciation")
    assert says(messages, "revocation of consent by the Russian Federation on 2000-01-01",
                "no instrument of consent to revoke")
    lines = sorted(diagnostic.position.line for diagnostic in result.rejected
                   if diagnostic.position is not None)
    assert lines == [11, 12]  # each refusal is placed at the revocation itself


def test_a_ratification_revoked_twice_is_rejected_the_second_time(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, TEST_BAN)
    record = write_record(tmp_path, treaty, """
        - {date: 1996-09-24, kind: signature, party: RU}
        - {date: 2000-06-30, kind: ratification, party: RU}
        - {date: 2023-11-02, kind: revocation_of_consent, party: RU, id: first}
        - {date: 2024-01-01, kind: revocation_of_consent, party: RU}
    """)
    result = at(treaty, record, "2024-06-01")
    assert says(rejections(result), "already revoked on 2023-11-02 (act first)")


# --- states that acceded without being declared ---------------------------------------------

OPEN = """
id: open-test
title: A treaty open to accession by any state
parties: [{code: FR}, {code: DE}]
procedure:
  ratification: {}
  accession: {open_to: any_state}
  withdrawal: {notice: 1 year}
entry_into_force:
  when: {count: {at_least: 2}}
"""


def test_a_state_that_acceded_undeclared_can_withdraw_and_rejoin(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, OPEN)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: ratification, party: FR}
        - {date: 2000-01-01, kind: ratification, party: DE}
        - {date: 2001-01-01, kind: accession, party: KE}
        - {date: 2005-01-01, kind: withdrawal, party: KE}
        - {date: 2007-01-01, kind: accession, party: KE}
    """)
    assert not record.rejected
    gone = at(treaty, record, "2006-01-01")
    assert gone.parties["KE"].standing == "withdrawn"
    back = at(treaty, record, "2007-01-01")
    assert back.parties["KE"].standing == "bound"
    assert periods(back, "KE") == [{"since": "2001-01-01", "until": "2006-01-01"},
                                   {"since": "2007-01-01", "until": None}]
    assert not back.rejected


def test_an_undeclared_state_acts_only_after_acceding(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, OPEN)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: ratification, party: FR}
        - {date: 2000-01-01, kind: ratification, party: DE}
        - {date: 2001-01-01, kind: withdrawal, party: KE}
        - {date: 2002-01-01, kind: accession, party: KE}
    """)
    result = at(treaty, record, "2003-01-01")
    assert result.parties["KE"].standing == "bound"
    assert says(rejections(result), "withdrawal by Kenya on 2001-01-01 does not count",
                "not declared in the treaty and had not acceded by then")


def test_an_undeclared_state_is_still_rejected_when_accession_is_closed(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, OPEN.replace("accession: {open_to: any_state}",
                                                 "accession: {}"))
    record = write_record(tmp_path, treaty, """
        - {date: 2001-01-01, kind: withdrawal, party: KE}
    """)
    (problem,) = record.rejected
    assert "'KE' is not a party to this treaty" in problem.message


# --- properties -------------------------------------------------------------------------------

YEARS = st.integers(min_value=2017, max_value=2040)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(YEARS, st.sampled_from(["acceptance", "withdrawal",
                                                  "revocation_of_withdrawal",
                                                  "revocation_of_consent"])),
                max_size=8))
def test_bound_periods_are_ordered_and_disjoint(acts: list[tuple[int, str]]) -> None:
    """Whatever a party does, in any order: its periods never overlap, each begins after
    the one before ended, and it is bound on a day exactly when a period covers it."""
    from tempfile import TemporaryDirectory
    with TemporaryDirectory() as folder:
        tmp_path = Path(folder)
        treaty = write_treaty(tmp_path, AGREEMENT)
        lines = ["- {date: 2016-10-05, kind: acceptance, party: FR}",
                 "- {date: 2016-10-05, kind: acceptance, party: DE}"]
        lines += [f"- {{date: {year}-03-01, kind: {kind}, party: US}}" for year, kind in acts]
        record = write_record(tmp_path, treaty, "\n".join(lines))
        result = at(treaty, record, "2045-01-01")
        spans = periods(result, "US")
        for earlier, later in pairwise(spans):
            assert earlier["until"] is not None and later["since"] is not None
            assert earlier["until"] <= later["since"]
        for year in range(2016, 2045):
            day = f"{year}-06-01"
            covered = any(str(s["since"]) <= day and (s["until"] is None or day < str(s["until"]))
                          for s in spans)
            assert at(treaty, record, day).parties.get("US") is None or (
                at(treaty, record, day).parties["US"].is_bound == covered)


@pytest.mark.parametrize("kind", ["revocation_of_withdrawal", "revocation_of_consent"])
def test_a_revocation_may_be_declared_to_give_its_article(tmp_path: Path, kind: str) -> None:
    declared = AGREEMENT.replace("procedure:\n",
                                 f"procedure:\n  {kind}: {{article: VCLT Art. 68}}\n")
    treaty = write_treaty(tmp_path, declared)
    assert treaty.procedure[kind].article == "VCLT Art. 68"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=2015, max_value=2030),
                          st.sampled_from(["US", "FR"]),
                          st.sampled_from(["acceptance", "withdrawal",
                                           "revocation_of_withdrawal",
                                           "revocation_of_consent"])),
                max_size=8),
       st.randoms(use_true_random=False))
def test_the_order_of_the_file_does_not_change_a_life(
        acts: list[tuple[int, str, str]], rng: object) -> None:
    """Lives are settled in time order, whatever order the file lists the acts in (acts of
    one day included: a revocation comes after what it revokes)."""
    import random
    from tempfile import TemporaryDirectory
    assert isinstance(rng, random.Random)
    lines = [f"- {{id: a{i}, date: {year}-01-01, kind: {kind}, party: {party}}}"
             for i, (year, party, kind) in enumerate(acts)]
    lines.append("- {id: de, date: 2015-06-01, kind: acceptance, party: DE}")
    shuffled = list(lines)
    rng.shuffle(shuffled)
    with TemporaryDirectory() as folder:
        tmp_path = Path(folder)
        treaty = write_treaty(tmp_path, AGREEMENT)
        original = write_record(tmp_path, treaty, "\n".join(lines))
        permuted = write_record(tmp_path, treaty, "\n".join(shuffled))
        for year in range(2015, 2032):
            day = f"{year}-06-01"
            first, second = at(treaty, original, day), at(treaty, permuted, day)
            assert first.to_json()["parties"] == second.to_json()["parties"]
            assert sorted(rejections(first)) == sorted(rejections(second))


def test_a_revocation_of_consent_revokes_the_further_instruments_too(tmp_path: Path) -> None:
    text = AGREEMENT.replace("  acceptance: {article: Article 20}",
                             "  acceptance: {article: Article 20}\n  ratification: {}")
    text = text.replace("when: {count: {at_least: 2}}",
                        "when: {count: {instruments: [acceptance, ratification], at_least: 2}}")
    treaty = write_treaty(tmp_path, text)
    record = write_record(tmp_path, treaty, """
        - {date: 2016-01-01, kind: acceptance, party: US}
        - {date: 2016-02-01, kind: ratification, party: US}
        - {date: 2016-03-01, kind: revocation_of_consent, party: US}
        - {date: 2016-04-01, kind: acceptance, party: FR}
    """)
    result = at(treaty, record, "2017-01-01")
    assert not result.rejected
    assert result.state == "not_in_force"  # the count of two has only France's
    assert result.parties["US"].consent is None
