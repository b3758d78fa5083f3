"""The rule language, end to end: small treaties written as YAML, records of
dated acts, and `status(treaty, record, as_of)` checked on the days around each
threshold. Then properties of the rule language (hypothesis)."""

from __future__ import annotations

import random
import re
import textwrap
from collections.abc import Sequence
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
from treatyline.status import Status, status

# --- helpers ------------------------------------------------------------------------------


def d(text: str) -> date:
    return date.fromisoformat(text)


def write_treaty(tmp_path: Path, text: str) -> Treaty:
    path = tmp_path / "treaty.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_treaty(path)


def write_record(tmp_path: Path, treaty: Treaty, acts: str, name: str = "record.yaml") -> Record:
    """`acts`: the YAML list items of the record (one `- {...}` per line)."""
    path = tmp_path / name
    path.write_text("source: test\nacts:\n" + textwrap.indent(textwrap.dedent(acts).strip(), "  ")
                    + "\n", encoding="utf-8")
    return load_record(path, treaty)


def at(treaty: Treaty, record: Record, day: str) -> Status:
    return status(treaty, record, d(day))


def standings(result: Status) -> dict[str, str]:
    return {code: party.standing for code, party in result.parties.items()}


def says(messages: Sequence[str], *fragments: str) -> bool:
    """Whether one of the messages contains every fragment (the wording around
    names, dates and numbers is free to change)."""
    return any(all(fragment in message for fragment in fragments) for message in messages)


def rejections(result: Status) -> list[str]:
    return [diagnostic.message for diagnostic in result.rejected]


def pending_text(result: Status) -> str:
    return "\n".join(result.pending)


def rejected_text(result: Status) -> str:
    return "\n".join(diagnostic.message for diagnostic in result.rejected)


def simple_treaty(
    tmp_path: Path,
    when: str,
    *,
    parties: str = "FR DE IT ES PL",
    effective: str = "0 days",
    late: str = "0 days",
    late_after: str | None = None,
    procedure: str = "ratification: {}",
    extra: str = "",
) -> Treaty:
    party_list = ", ".join(f"{{code: {code}}}" for code in parties.split())
    text = (
        "id: rule-test\n"
        "title: A treaty to test one rule\n"
        f"parties: [{party_list}]\n"
        "procedure:\n" + textwrap.indent(textwrap.dedent(procedure).strip(), "  ") + "\n"
        "entry_into_force:\n"
        "  article: Article 20\n"
        "  when: " + when + "\n"
        f"  effective: {effective}\n"
        f"  late_instruments: {late}\n"
        + (f"  late_instruments_after: {late_after}\n" if late_after else "")
        + textwrap.dedent(extra)
    )
    path = tmp_path / "treaty.yaml"
    path.write_text(text, encoding="utf-8")
    return load_treaty(path)


# --- count: at least N ------------------------------------------------------------------------


def test_count_at_least(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{count: {instruments: [ratification], at_least: 3}}")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-10, kind: ratification, party: FR}
        - {date: 2020-02-10, kind: ratification, party: DE}
        - {date: 2020-03-10, kind: ratification, party: IT}
        - {date: 2020-04-01, kind: ratification, party: ES}
    """)
    before = at(treaty, record, "2020-03-09")
    assert before.state == "not_in_force"
    assert not before.in_force
    assert before.conditions_met_on is None
    assert says(before.pending, "needs 1 more", "ratification", "2 of the 3 required",
                "at least 3")
    assert standings(before) == {"FR": "consented", "DE": "consented", "IT": "none",
                                 "ES": "none", "PL": "none"}

    on = at(treaty, record, "2020-03-10")
    assert on.state == "in_force"
    assert on.in_force_since == on.conditions_met_on == d("2020-03-10")
    assert standings(on) == {"FR": "bound", "DE": "bound", "IT": "bound", "ES": "none",
                             "PL": "none"}
    assert all(on.parties[c].bound_since == d("2020-03-10") for c in ("FR", "DE", "IT"))

    later = at(treaty, record, "2020-04-01")
    assert later.parties["ES"].bound_since == d("2020-04-01")
    assert later.in_force_since == d("2020-03-10")


def test_count_more_than_an_absolute_number(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{count: {more_than: 2}}")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-10, kind: ratification, party: FR}
        - {date: 2020-02-10, kind: ratification, party: DE}
        - {date: 2020-03-10, kind: ratification, party: IT}
    """)
    assert at(treaty, record, "2020-03-09").state == "not_in_force"
    assert at(treaty, record, "2020-03-10").in_force_since == d("2020-03-10")


def test_count_by_a_group_ignores_instruments_of_others(tmp_path: Path) -> None:
    treaty = simple_treaty(
        tmp_path, "{count: {by: core, at_least: 2}}",
        extra="groups:\n  core: [FR, DE, IT]\n",
    )
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-10, kind: ratification, party: ES}
        - {date: 2020-01-11, kind: ratification, party: PL}
        - {date: 2020-02-10, kind: ratification, party: FR}
        - {date: 2020-03-10, kind: ratification, party: IT}
    """)
    before = at(treaty, record, "2020-03-09")
    assert before.state == "not_in_force"
    assert "by core" in pending_text(before)
    assert at(treaty, record, "2020-03-10").in_force_since == d("2020-03-10")


# --- count: more than a fraction of a group --------------------------------------------------

MAJORITY = ("{count: {instruments: [ratification], by: signatories, "
            "more_than: {fraction: 0.5, of: signatories}}}")


def test_majority_of_signatories_reached_by_same_day_deposits(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, MAJORITY, parties="BE CA FR LU NL GB",
                           procedure="signature: {}\nratification: {requires: [signature]}")
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: signature, party: BE}
        - {date: 2000-01-01, kind: signature, party: CA}
        - {date: 2000-01-01, kind: signature, party: FR}
        - {date: 2000-01-01, kind: signature, party: LU}
        - {date: 2000-01-01, kind: signature, party: NL}
        - {date: 2000-01-01, kind: signature, party: GB}
        - {date: 2000-02-01, kind: ratification, party: BE}
        - {date: 2000-03-01, kind: ratification, party: CA}
        - {date: 2000-04-01, kind: ratification, party: FR}
        - {date: 2000-04-01, kind: ratification, party: LU}
        - {date: 2000-05-01, kind: ratification, party: NL}
    """)
    # a majority of 6 signatories is 4: neither April deposit alone would reach it
    before = at(treaty, record, "2000-03-31")
    assert before.state == "not_in_force"
    assert says(before.pending, "2 of the 4 required", "more than half", "6 signatories")
    on = at(treaty, record, "2000-04-01")
    assert on.in_force_since == on.conditions_met_on == d("2000-04-01")
    assert {c for c, s in standings(on).items() if s == "bound"} == {"BE", "CA", "FR", "LU"}
    # both April deposits completed the conditions together
    completed = on.because[0]
    assert says([completed.statement], "2000-04-01", "France", "Luxembourg")
    assert len(completed.acts) == 2
    assert at(treaty, record, "2000-05-01").parties["NL"].bound_since == d("2000-05-01")


def test_majority_of_a_growing_group_of_signatories(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, MAJORITY, parties="BE CA FR LU NL GB",
                           procedure="signature: {}\nratification: {requires: [signature]}")
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: signature, party: BE}
        - {date: 2000-01-01, kind: signature, party: CA}
        - {date: 2000-01-01, kind: signature, party: FR}
        - {date: 2000-01-01, kind: signature, party: LU}
        - {date: 2000-02-01, kind: ratification, party: BE}
        - {date: 2000-03-01, kind: ratification, party: CA}
        - {date: 2000-04-01, kind: ratification, party: NL}
        - {date: 2000-04-01, kind: signature, party: NL}
        - {date: 2000-04-01, kind: signature, party: GB}
        - {date: 2000-05-01, kind: ratification, party: FR}
    """)
    # 2 of 4 signatories is not more than half
    assert at(treaty, record, "2000-03-31").state == "not_in_force"
    # NL signs and ratifies on one day (listed the other way round), GB signs:
    # 3 of 6 signatories is still not more than half
    april = at(treaty, record, "2000-04-01")
    assert april.state == "not_in_force"
    assert april.parties["NL"].standing == "consented"
    assert says(april.pending, "3 of the 4 required", "6 signatories")
    assert at(treaty, record, "2000-05-01").in_force_since == d("2000-05-01")


def test_at_least_a_fraction_of_a_declared_group(tmp_path: Path) -> None:
    treaty = simple_treaty(
        tmp_path, "{count: {at_least: {fraction: 0.6666666666666666, of: members}}}",
        extra="groups:\n  members: [FR, DE, IT, ES, PL, NL]\n", parties="FR DE IT ES PL NL",
    )
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: FR}
        - {date: 2020-01-02, kind: ratification, party: DE}
        - {date: 2020-01-03, kind: ratification, party: IT}
        - {date: 2020-01-04, kind: ratification, party: ES}
    """)
    assert at(treaty, record, "2020-01-03").state == "not_in_force"
    assert at(treaty, record, "2020-01-04").in_force_since == d("2020-01-04")


# --- count + including (North Atlantic Treaty, Article 11) -------------------------------------

NATO_LIKE = """
id: nato-like
title: A North-Atlantic-like treaty
parties: [{code: BE}, {code: CA}, {code: FR}, {code: LU}, {code: NL}, {code: GB}, {code: US},
          {code: DK}]
groups:
  named: [BE, CA, FR]
procedure:
  signature: {}
  ratification: {requires: [signature]}
entry_into_force:
  article: Article 11
  when:
    all:
      - count: {instruments: [ratification], by: signatories,
                more_than: {fraction: 0.5, of: signatories}}
      - including: {instruments: [ratification], parties: [named, US]}
"""


def test_majority_including_named_parties_and_a_group(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, NATO_LIKE)
    signatures = "\n".join(f"- {{date: 1949-04-04, kind: signature, party: {c}}}"
                           for c in ("BE", "CA", "FR", "LU", "NL", "GB", "US", "DK"))
    record = write_record(tmp_path, treaty, signatures + """
        - {date: 1949-05-03, kind: ratification, party: CA}
        - {date: 1949-06-07, kind: ratification, party: GB}
        - {date: 1949-06-16, kind: ratification, party: BE}
        - {date: 1949-06-27, kind: ratification, party: LU}
        - {date: 1949-07-08, kind: ratification, party: DK}
        - {date: 1949-07-25, kind: ratification, party: US}
        - {date: 1949-08-24, kind: ratification, party: FR}
    """.replace("\n        ", "\n"))
    # the majority (5 of 8) is reached on 8 July, but France and the US are missing
    july = at(treaty, record, "1949-07-08")
    assert july.state == "not_in_force"
    assert "France" in pending_text(july)
    assert "United States" in pending_text(july)
    assert "more instrument" not in pending_text(july)  # the count part is met
    august = at(treaty, record, "1949-08-23")
    assert "France" in pending_text(august)
    assert "United States" not in pending_text(august)
    assert at(treaty, record, "1949-08-23").state == "not_in_force"
    on = at(treaty, record, "1949-08-24")
    assert on.in_force_since == d("1949-08-24")
    assert {c for c, s in standings(on).items() if s == "bound"} == {
        "BE", "CA", "FR", "LU", "GB", "US", "DK"}
    assert standings(on)["NL"] == "signatory"


def test_named_parties_without_the_majority(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, NATO_LIKE)
    signatures = "\n".join(f"- {{date: 1949-04-04, kind: signature, party: {c}}}"
                           for c in ("BE", "CA", "FR", "LU", "NL", "GB", "US", "DK"))
    record = write_record(tmp_path, treaty, signatures + """
        - {date: 1949-05-01, kind: ratification, party: BE}
        - {date: 1949-05-02, kind: ratification, party: CA}
        - {date: 1949-05-03, kind: ratification, party: FR}
        - {date: 1949-05-04, kind: ratification, party: US}
        - {date: 1949-09-01, kind: ratification, party: DK}
    """.replace("\n        ", "\n"))
    may = at(treaty, record, "1949-08-31")
    assert may.state == "not_in_force"
    assert says(may.pending, "needs 1 more", "signatories")
    assert at(treaty, record, "1949-09-01").in_force_since == d("1949-09-01")


# --- weight ------------------------------------------------------------------------------------

WEIGHTED = """
id: weighted
title: A treaty with weighted thresholds
parties:
  - {code: US, weights: {votes: 30}}
  - {code: JP, weights: {votes: 25}}
  - {code: DE, weights: {votes: 20}}
  - {code: FR, weights: {votes: 15}}
  - {code: IT, weights: {votes: 10}}
  - {code: MT}
procedure:
  ratification: {}
entry_into_force:
  when:
    all:
      - count: {at_least: 2}
      - weight: {key: votes, at_least: 55}
"""


def test_weight_at_least(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, WEIGHTED)
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: DE}
        - {date: 2020-01-02, kind: ratification, party: MT}
        - {date: 2020-01-03, kind: ratification, party: FR}
        - {date: 2020-01-04, kind: ratification, party: IT}
        - {date: 2020-01-05, kind: ratification, party: JP}
    """)
    # DE + MT + FR: 35 (MT has no weight)
    jan3 = at(treaty, record, "2020-01-03")
    assert jan3.state == "not_in_force"
    assert says(jan3.pending, "20 more", "'votes'", "35 of the required 55")
    # + IT: 45
    assert at(treaty, record, "2020-01-04").state == "not_in_force"
    # + JP: 70
    assert at(treaty, record, "2020-01-05").in_force_since == d("2020-01-05")


def test_weight_exactly_at_the_threshold(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, WEIGHTED)
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: US}
        - {date: 2020-01-02, kind: ratification, party: FR}
        - {date: 2020-01-03, kind: ratification, party: IT}
    """)
    assert at(treaty, record, "2020-01-02").state == "not_in_force"  # 45
    assert at(treaty, record, "2020-01-03").in_force_since == d("2020-01-03")  # 55


# --- referendum --------------------------------------------------------------------------------

REFERENDUM = """
id: referendum-test
title: A treaty approved by referendum
parties: [{code: IE}, {code: FR}, {code: DE}]
facts:
  ceasefire: {description: A ceasefire has held for thirty days}
procedure:
  ratification: {}
  referendum:
    article: Article 3
    held_by: IE
    approval: {yes_share_at_least: 0.5, turnout_at_least: 0.4}
    preconditions: [ceasefire]
entry_into_force:
  when:
    all:
      - count: {instruments: [ratification], at_least: 2}
      - referendum: IE
"""

BASE_ACTS = """
- {date: 2020-01-01, kind: fact, fact: ceasefire}
- {date: 2020-01-10, kind: ratification, party: FR}
- {date: 2020-01-20, kind: ratification, party: DE}
"""


def test_referendum_passes(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REFERENDUM)
    record = write_record(tmp_path, treaty, BASE_ACTS + """
- {date: 2020-03-01, kind: referendum, party: IE, yes_share: 0.62, turnout: 0.55}
""")
    before = at(treaty, record, "2020-02-29")
    assert before.state == "not_in_force"
    assert says(before.pending, "referendum in Ireland has not been held")
    assert at(treaty, record, "2020-03-01").in_force_since == d("2020-03-01")


def test_referendum_fails_on_the_yes_share(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REFERENDUM)
    # exactly half is not a majority (yes_share_strictly_more defaults to true)
    record = write_record(tmp_path, treaty, BASE_ACTS + """
- {date: 2020-03-01, kind: referendum, party: IE, yes_share: 0.5, turnout: 0.6}
""")
    result = at(treaty, record, "2021-01-01")
    assert result.state == "not_in_force"
    assert says(result.pending, "referendum in Ireland of 2020-03-01", "did not approve",
                "yes 50.0%", "turnout 60")


def test_referendum_at_least_a_share_when_not_strict(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REFERENDUM.replace(
        "approval: {yes_share_at_least: 0.5,",
        "approval: {yes_share_at_least: 0.5, yes_share_strictly_more: false,"))
    record = write_record(tmp_path, treaty, BASE_ACTS + """
- {date: 2020-03-01, kind: referendum, party: IE, yes_share: 0.5, turnout: 0.6}
""")
    assert at(treaty, record, "2020-03-01").in_force_since == d("2020-03-01")


def test_referendum_fails_on_turnout(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REFERENDUM)
    record = write_record(tmp_path, treaty, BASE_ACTS + """
- {date: 2020-03-01, kind: referendum, party: IE, yes_share: 0.7, turnout: 0.35}
""")
    result = at(treaty, record, "2021-01-01")
    assert result.state == "not_in_force"
    assert says(result.pending, "did not approve", "yes 70.0%", "turnout 35")


def test_referendum_before_its_precondition_does_not_count(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REFERENDUM)
    record = write_record(tmp_path, treaty, """
        - {date: 2019-12-01, kind: referendum, party: IE, yes_share: 0.8, turnout: 0.7}
        - {date: 2020-01-01, kind: fact, fact: ceasefire}
        - {date: 2020-01-10, kind: ratification, party: FR}
        - {date: 2020-01-20, kind: ratification, party: DE}
        - {date: 2020-06-01, kind: referendum, party: IE, yes_share: 0.6, turnout: 0.5}
    """)
    early = at(treaty, record, "2019-12-01")
    assert early.state == "not_in_force"
    assert says(early.pending, "referendum in Ireland of 2019-12-01", "does not count",
                "held before its precondition")
    assert says(rejections(early), "referendum of 2019-12-01 does not count",
                "A ceasefire has held for thirty days")

    result = at(treaty, record, "2020-05-31")
    assert result.state == "not_in_force"  # the early referendum never counts
    assert says(result.pending, "2019-12-01", "does not count")
    assert at(treaty, record, "2020-06-01").in_force_since == d("2020-06-01")


def test_referendum_not_yet_possible_says_what_it_waits_for(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REFERENDUM)
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-10, kind: ratification, party: FR}
    """)
    pending = at(treaty, record, "2020-02-01").pending
    assert says(pending, "referendum in Ireland has not been held")
    assert says(pending, "referendum in Ireland", "only once",
                "A ceasefire has held for thirty days")


def test_referendum_on_the_day_its_precondition_is_established(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, REFERENDUM)
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-10, kind: ratification, party: FR}
        - {date: 2020-01-20, kind: ratification, party: DE}
        - {date: 2020-03-01, kind: referendum, party: IE, yes_share: 0.6, turnout: 0.5}
        - {date: 2020-03-01, kind: fact, fact: ceasefire}
    """)
    assert at(treaty, record, "2020-03-01").in_force_since == d("2020-03-01")


# --- fact, all, any, not -------------------------------------------------------------------------

FACTS = """
facts:
  withdrawal: {description: Forces have been withdrawn to the agreed line}
  hostilities: {description: Hostilities have resumed}
"""


def test_fact(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{fact: withdrawal}", extra=FACTS)
    record = write_record(tmp_path, treaty, """
        - {date: 2022-03-01, kind: ratification, party: FR}
        - {date: 2022-04-01, kind: fact, fact: withdrawal}
    """)
    before = at(treaty, record, "2022-03-31")
    assert before.state == "not_in_force"
    assert "not yet established: Forces have been withdrawn to the agreed line" in (
        pending_text(before))
    on = at(treaty, record, "2022-04-01")
    assert on.in_force_since == d("2022-04-01")
    assert on.parties["FR"].standing == "bound"


def test_all(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{all: [{count: {at_least: 2}}, {fact: withdrawal}]}",
                           extra=FACTS)
    record = write_record(tmp_path, treaty, """
        - {date: 2022-01-01, kind: fact, fact: withdrawal}
        - {date: 2022-03-01, kind: ratification, party: FR}
        - {date: 2022-04-01, kind: ratification, party: DE}
    """)
    assert at(treaty, record, "2022-03-31").state == "not_in_force"
    assert at(treaty, record, "2022-04-01").in_force_since == d("2022-04-01")


def test_any(tmp_path: Path) -> None:
    when = ("{any: [{count: {at_least: 3}}, "
            "{all: [{count: {at_least: 1}}, {fact: withdrawal}]}]}")
    treaty = simple_treaty(tmp_path, when, extra=FACTS)
    first = write_record(tmp_path, treaty, """
        - {date: 2022-03-01, kind: ratification, party: FR}
        - {date: 2022-03-02, kind: fact, fact: withdrawal}
        - {date: 2022-04-01, kind: ratification, party: DE}
        - {date: 2022-05-01, kind: ratification, party: IT}
    """)
    before = at(treaty, record=first, day="2022-03-01")
    assert before.state == "not_in_force"
    assert says(before.pending, "one of", "needs 2 more", "not yet established")
    assert at(treaty, first, "2022-03-02").in_force_since == d("2022-03-02")

    second = write_record(tmp_path, treaty, """
        - {date: 2022-03-01, kind: ratification, party: FR}
        - {date: 2022-04-01, kind: ratification, party: DE}
        - {date: 2022-05-01, kind: ratification, party: IT}
    """, name="second.yaml")
    assert at(treaty, second, "2022-04-30").state == "not_in_force"
    assert at(treaty, second, "2022-05-01").in_force_since == d("2022-05-01")


def test_not(tmp_path: Path) -> None:
    treaty = simple_treaty(
        tmp_path, "{all: [{count: {at_least: 2}}, {not: {fact: hostilities}}]}", extra=FACTS)
    peaceful = write_record(tmp_path, treaty, """
        - {date: 2022-03-01, kind: ratification, party: FR}
        - {date: 2022-04-01, kind: ratification, party: DE}
        - {date: 2022-05-01, kind: fact, fact: hostilities}
    """)
    # hostilities after entry into force do not undo it
    assert at(treaty, peaceful, "2022-04-01").in_force_since == d("2022-04-01")
    assert at(treaty, peaceful, "2023-01-01").state == "in_force"

    resumed = write_record(tmp_path, treaty, """
        - {date: 2022-02-01, kind: fact, fact: hostilities}
        - {date: 2022-03-01, kind: ratification, party: FR}
        - {date: 2022-04-01, kind: ratification, party: DE}
    """, name="resumed.yaml")
    result = at(treaty, resumed, "2023-01-01")
    assert result.state == "not_in_force"
    assert says(result.pending, "must no longer hold", "Hostilities have resumed")


def test_negotiation_acts_do_not_change_the_status(tmp_path: Path) -> None:
    """Negotiation acts "shape the timeline, not the status" (spec/vocabulary.py).
    With a rule that holds before any instrument (here: no hostilities), a mere
    statement must not make the treaty enter into force on the day of the
    statement (regression: the pass used to test the rule on every day with an
    act of any kind, so the first statement dated entry into force)."""
    treaty = simple_treaty(tmp_path, "{not: {fact: hostilities}}", extra=FACTS)
    quiet = write_record(tmp_path, treaty, """
        - {date: 2022-03-01, kind: ratification, party: FR}
    """)
    talk = write_record(tmp_path, treaty, """
        - {date: 2022-01-15, kind: statement, party: DE, text: We will talk.}
        - {date: 2022-03-01, kind: ratification, party: FR}
    """, name="talk.yaml")
    for day in ("2022-01-15", "2022-02-01", "2022-03-01", "2023-01-01"):
        assert substance(at(treaty, talk, day)) == substance(at(treaty, quiet, day)), day


def test_not_in_force_says_what_is_still_missing(tmp_path: Path) -> None:
    """Under a rule that already holds before any instrument (no hostilities),
    entry into force still waits for a first instrument. Until then `status`
    must not say "the conditions are not met" with nothing pending: whatever is
    awaited has to appear in `pending`."""
    treaty = simple_treaty(tmp_path, "{not: {fact: hostilities}}", extra=FACTS)
    record = write_record(tmp_path, treaty, """
        - {date: 2022-03-01, kind: ratification, party: FR}
    """)
    before = at(treaty, record, "2022-02-01")
    assert before.state == "not_in_force"
    assert before.conditions_met_on is None
    assert before.pending, [reason.statement for reason in before.because]
    assert at(treaty, record, "2022-03-01").in_force_since == d("2022-03-01")


# --- effective: when the treaty enters into force after the conditions ---------------------------


@pytest.mark.parametrize(
    ("effective", "met", "in_force"),
    [
        ("0 days", "2015-01-31", "2015-01-31"),
        ("30 days", "2015-01-31", "2015-03-02"),
        ("first day of the month following 30 days", "2015-01-31", "2015-04-01"),
        ("first day of the month following 90 days", "2015-01-31", "2015-06-01"),
        ("first day of the month following 90 days", "2015-02-01", "2015-06-01"),
        ("{months: 6, then: first_day_of_month}", "2015-01-31", "2015-07-01"),
        ("1 year", "2016-02-29", "2017-02-28"),
        ("{years: 1, month_overflow: roll_over}", "2016-02-29", "2017-03-01"),
    ],
)
def test_effective(tmp_path: Path, effective: str, met: str, in_force: str) -> None:
    treaty = simple_treaty(tmp_path, "{count: {at_least: 2}}", effective=effective)
    record = write_record(tmp_path, treaty, f"""
        - {{date: 2014-12-01, kind: ratification, party: FR}}
        - {{date: {met}, kind: ratification, party: DE}}
    """)
    met_day, eif = d(met), d(in_force)
    if eif > met_day:
        waiting = status(treaty, record, eif - timedelta(days=1))
        assert waiting.state == "not_in_force"
        assert waiting.conditions_met_on == met_day
        assert waiting.in_force_since is None
        assert says(waiting.pending, f"met on {met}", f"enters into force on {in_force}")
        assert waiting.parties["DE"].standing == "consented"
    result = status(treaty, record, eif)
    assert result.state == "in_force"
    assert result.in_force_since == eif
    assert result.conditions_met_on == met_day
    assert result.parties["FR"].bound_since == eif


def test_effective_first_day_of_month_needs_whole_months(tmp_path: Path) -> None:
    """"The first day of the month" with no month to move could fall before the
    day the conditions are met: the treaty file is rejected with the reason."""
    with pytest.raises(SpecError) as caught:
        simple_treaty(tmp_path, "{count: {at_least: 1}}", effective="{then: first_day_of_month}")
    message = str(caught.value)
    assert "entry_into_force.effective" in message
    assert "first_day_of_month takes whole months (at least one) and no days" in message
    assert "treaty.yaml:" in message


# --- late instruments ----------------------------------------------------------------------------


def test_late_instruments_on_deposit(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{count: {at_least: 2}}")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: FR}
        - {date: 2020-01-02, kind: ratification, party: DE}
        - {date: 2021-05-05, kind: ratification, party: PL}
    """)
    assert at(treaty, record, "2021-05-04").parties["PL"].standing == "none"
    late = at(treaty, record, "2021-05-05").parties["PL"]
    assert late.standing == "bound"
    assert late.bound_since == d("2021-05-05")


def test_late_instruments_thirty_days_after_deposit_never_before_eif(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{count: {at_least: 2}}", effective="90 days",
                           late="30 days", late_after="conditions_met")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: FR}
        - {date: 2020-01-01, kind: ratification, party: DE}
        - {date: 2020-01-20, kind: ratification, party: IT}
        - {date: 2020-06-01, kind: ratification, party: ES}
    """)
    eif = d("2020-03-31")  # 2020-01-01 + 90 days (2020 is a leap year)
    result = status(treaty, record, eif)
    assert result.in_force_since == eif
    # IT deposited after the conditions were met: 30 days after its deposit
    # (2020-02-19) falls before entry into force, so it is bound from entry into force
    assert result.parties["IT"].bound_since == eif
    assert {c for c, s in standings(result).items() if s == "bound"} == {"FR", "DE", "IT"}
    waiting = at(treaty, record, "2020-06-30")
    assert waiting.parties["ES"].standing == "consented"
    assert says(waiting.pending, "Spain", "bound from 2020-07-01")
    assert at(treaty, record, "2020-07-01").parties["ES"].bound_since == d("2020-07-01")


def test_instrument_on_the_day_the_conditions_are_met_is_not_late(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{count: {at_least: 2}}", effective="30 days",
                           late="60 days", late_after="conditions_met")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: FR}
        - {date: 2020-02-01, kind: ratification, party: DE}
        - {date: 2020-02-01, kind: ratification, party: IT}
    """)
    result = at(treaty, record, "2020-03-02")
    assert result.in_force_since == d("2020-03-02")
    assert result.parties["IT"].bound_since == d("2020-03-02")


# --- definitive signature (Budapest Memorandum) ---------------------------------------------------

BUDAPEST = """
id: budapest-like
title: Memorandum on security assurances
parties: [{code: UA}, {code: RU}, {code: GB}, {code: US}]
procedure:
  signature: {definitive: true}
entry_into_force:
  text: This Memorandum will become applicable upon signature.
  when:
    including: {instruments: [consent], parties: [parties]}
"""


def test_definitive_signature(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, BUDAPEST)
    record = write_record(tmp_path, treaty, """
        - {date: 1994-12-05, kind: signature, party: UA, place: Budapest}
        - {date: 1994-12-05, kind: signature, party: RU, place: Budapest}
        - {date: 1994-12-05, kind: signature, party: GB, place: Budapest}
        - {date: 1994-12-05, kind: signature, party: US, place: Budapest}
    """)
    before = at(treaty, record, "1994-12-04")
    assert before.state == "not_in_force"
    assert "definitive signature" in pending_text(before)
    result = at(treaty, record, "1994-12-05")
    assert result.in_force_since == d("1994-12-05")
    assert set(standings(result).values()) == {"bound"}
    assert result.parties["UA"].consent == ("signature", d("1994-12-05"))


def test_definitive_signature_waits_for_every_signatory(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, BUDAPEST)
    record = write_record(tmp_path, treaty, """
        - {date: 1994-12-05, kind: signature, party: UA}
        - {date: 1994-12-05, kind: signature, party: RU}
        - {date: 1994-12-05, kind: signature, party: GB}
        - {date: 1994-12-09, kind: signature, party: US}
    """)
    result = at(treaty, record, "1994-12-08")
    assert result.state == "not_in_force"
    assert "United States" in pending_text(result)
    assert at(treaty, record, "1994-12-09").in_force_since == d("1994-12-09")


# --- provisional application ---------------------------------------------------------------------


def test_provisional_application(tmp_path: Path) -> None:
    treaty = simple_treaty(
        tmp_path, "{count: {instruments: [ratification], at_least: 3}}",
        procedure="signature: {}\nratification: {requires: [signature]}",
        extra="""\
        provisional_application:
          article: Article 25
          when: {count: {instruments: [signature], at_least: 2}}
          applies_to: signatories
        """,
    )
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: signature, party: FR}
        - {date: 2020-02-01, kind: signature, party: DE}
        - {date: 2020-03-01, kind: signature, party: IT}
        - {date: 2020-04-01, kind: ratification, party: FR}
        - {date: 2020-05-01, kind: ratification, party: DE}
        - {date: 2020-06-01, kind: ratification, party: IT}
    """)
    january = at(treaty, record, "2020-01-15")
    assert january.provisionally_applied_since is None
    assert january.parties["FR"].standing == "signatory"
    february = at(treaty, record, "2020-02-01")
    assert february.provisionally_applied_since == d("2020-02-01")
    assert february.parties["FR"].standing == "provisionally_applying"
    assert february.parties["FR"].provisionally_applying_since == d("2020-02-01")
    assert february.parties["IT"].standing == "none"
    assert says([r.statement for r in february.because], "provisionally since 2020-02-01")
    march = at(treaty, record, "2020-03-01")
    assert march.parties["IT"].provisionally_applying_since == d("2020-03-01")
    assert march.state == "not_in_force"
    june = at(treaty, record, "2020-06-01")
    assert june.state == "in_force"
    assert set(standings(june).values()) == {"bound", "none"}
    assert june.parties["FR"].provisionally_applying_since is None


def test_provisional_application_by_a_party_act(tmp_path: Path) -> None:
    treaty = simple_treaty(
        tmp_path, "{count: {instruments: [ratification], at_least: 2}}",
        procedure="signature: {}\nratification: {}\nprovisional_application: {}",
    )
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: signature, party: FR}
        - {date: 2020-01-10, kind: provisional_application, party: FR}
        - {date: 2020-03-01, kind: ratification, party: DE}
    """)
    assert at(treaty, record, "2020-01-09").parties["FR"].standing == "signatory"
    applying = at(treaty, record, "2020-01-10").parties["FR"]
    assert applying.standing == "provisionally_applying"
    assert applying.provisionally_applying_since == d("2020-01-10")


# --- accession -----------------------------------------------------------------------------------

ACCESSION_ANY = """
id: accession-any
title: A treaty open to any state
parties: [{code: FR}, {code: DE}, {code: IT}]
groups:
  members: [FR, DE, IT]
procedure:
  ratification: {}
  accession: {article: Article 10, open_to: any_state, joins: [members]}
entry_into_force:
  when: {count: {by: members, at_least: 3}}
"""


def test_accession_open_to_any_state_joins_a_group(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, ACCESSION_ANY)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: ratification, party: FR}
        - {date: 2000-02-01, kind: ratification, party: DE}
        - {date: 2001-03-01, kind: accession, party: PL}
        - {date: 2002-04-01, kind: accession, party: SE}
    """)
    assert not record.rejected
    assert dict(record.new_parties) == {"PL": "Poland", "SE": "Sweden"}
    before = at(treaty, record, "2001-02-28")
    assert before.state == "not_in_force"
    assert "PL" not in before.parties  # not yet a party
    # Poland joins `members` by acceding: the third member's instrument
    on = at(treaty, record, "2001-03-01")
    assert on.in_force_since == d("2001-03-01")
    assert on.parties["PL"].standing == "bound"
    assert on.parties["PL"].declared is False
    assert on.parties["PL"].consent == ("accession", d("2001-03-01"))
    assert "SE" not in on.parties
    later = at(treaty, record, "2002-04-01")
    assert later.parties["SE"].bound_since == d("2002-04-01")
    assert later.parties["IT"].standing == "none"


def test_accession_by_something_that_is_not_a_state_is_rejected(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, ACCESSION_ANY)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: accession, party: XZ}
    """)
    assert not record.acts
    assert says([record.rejected[0].message], "'XZ'", "not a party")


ACCESSION_GROUP = """
id: accession-group
title: A treaty open to invited states
parties: [{code: FR}, {code: DE}, {code: IT}, {code: ES}, {code: PL}]
groups:
  invited: [ES, PL]
procedure:
  ratification: {}
  accession: {article: Article 10, open_to: invited}
entry_into_force:
  when: {count: {at_least: 2}}
"""


def test_accession_restricted_to_a_group(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, ACCESSION_GROUP)
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: ratification, party: FR}
        - {date: 2000-01-02, kind: ratification, party: DE}
        - {date: 2001-01-01, kind: accession, party: ES}
        - {date: 2001-02-01, kind: accession, party: IT}
        - {date: 2001-03-01, kind: accession, party: PT}
    """)
    # PT is neither a declared party nor may any state accede: rejected on reading
    assert len(record.rejected) == 1
    assert says([record.rejected[0].message], "'PT'", "not a party")
    result = at(treaty, record, "2001-12-31")
    assert result.parties["ES"].standing == "bound"
    assert result.parties["ES"].bound_since == d("2001-01-01")
    assert result.parties["IT"].standing == "none"
    assert says(rejections(result), "accession by Italy on 2001-02-01 does not count",
                "(Article 10)", "open only to invited")
    # the rejection is part of the status from the day of the act only
    assert "Italy" not in rejected_text(at(treaty, record, "2001-01-31"))


ACCESSION_ONCE_IN_FORCE = """
id: accession-once-in-force
title: A treaty open to accession once it is in force
parties: [{code: FR}, {code: DE}, {code: IT}]
procedure:
  ratification: {}
  withdrawal: {}
  accession:
    article: Article 12
    open_to: any_state
    only_when: {count: {by: bound, at_least: 1}}
entry_into_force:
  when: {count: {instruments: [ratification], at_least: 2}}
  effective: EFFECTIVE
"""


def test_accession_once_in_force_counts_after_entry_into_force(tmp_path: Path) -> None:
    # the computed group `bound` is who is bound on the day of the act, also while the
    # record is being evaluated (it used to be empty then, rejecting every accession)
    treaty = write_treaty(tmp_path, ACCESSION_ONCE_IN_FORCE.replace("EFFECTIVE", "30 days"))
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: ratification, party: FR}
        - {date: 2000-01-15, kind: accession, party: PL}
        - {date: 2000-02-01, kind: ratification, party: DE}
        - {date: 2000-02-15, kind: accession, party: SE}
        - {date: 2000-03-02, kind: accession, party: ES}
        - {date: 2000-04-01, kind: accession, party: PT}
    """)
    assert not record.rejected
    result = at(treaty, record, "2000-12-31")
    assert result.in_force_since == d("2000-03-02")
    assert result.parties["ES"].bound_since == d("2000-03-02")  # on the day of entry into force
    assert result.parties["PT"].bound_since == d("2000-04-01")
    assert "PL" not in result.parties and "SE" not in result.parties
    messages = rejections(result)
    assert len(messages) == 2
    # before the conditions are met, and after they are met but before entry into force
    assert says(messages, "accession by Poland on 2000-01-15 does not count", "(Article 12)",
                "by parties bound (0 of the 1 required")
    assert says(messages, "accession by Sweden on 2000-02-15 does not count", "(Article 12)",
                "by parties bound (0 of the 1 required")
    assert [p.message for p in result.rejected] == [
        diagnostic.message for diagnostic in at(treaty, record, "2000-03-01").rejected]


def test_accession_once_in_force_on_the_day_it_enters_into_force(tmp_path: Path) -> None:
    # the ratification that completes the conditions and the accession are simultaneous:
    # the treaty is in force that day, so the accession counts, whatever the file order
    treaty = write_treaty(tmp_path, ACCESSION_ONCE_IN_FORCE.replace("EFFECTIVE", "0 days"))
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: ratification, party: FR}
        - {date: 2000-02-01, kind: accession, party: SE}
        - {date: 2000-02-01, kind: ratification, party: DE}
    """)
    result = at(treaty, record, "2000-02-01")
    assert not result.rejected
    assert result.in_force_since == d("2000-02-01")
    assert result.parties["SE"].standing == "bound"
    assert result.parties["SE"].bound_since == d("2000-02-01")


def test_accession_once_in_force_after_every_party_withdrew(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, ACCESSION_ONCE_IN_FORCE.replace("EFFECTIVE", "0 days"))
    record = write_record(tmp_path, treaty, """
        - {date: 2000-01-01, kind: ratification, party: FR}
        - {date: 2000-01-01, kind: ratification, party: DE}
        - {date: 2000-06-01, kind: accession, party: IT}
        - {date: 2001-01-01, kind: withdrawal, party: FR}
        - {date: 2001-01-01, kind: withdrawal, party: DE}
        - {date: 2001-01-01, kind: withdrawal, party: IT}
        - {date: 2001-02-01, kind: accession, party: PL}
    """)
    assert not record.rejected
    result = at(treaty, record, "2001-12-31")
    assert result.parties["IT"].standing == "withdrawn"
    assert result.parties["IT"].consent == ("accession", d("2000-06-01"))
    # no party is bound any more: the accession does not count
    assert says(rejections(result), "accession by Poland on 2001-02-01 does not count",
                "by parties bound")


# --- denunciation and withdrawal -----------------------------------------------------------------

DENUNCIATION = """
id: denunciation-test
title: A treaty that may be denounced after twenty years
parties: [{code: FR}, {code: DE}, {code: IT}, {code: ES}]
procedure:
  ratification: {}
  denunciation:
    article: Article 13
    notice: 1 year
    not_before: 20 years
entry_into_force:
  when: {count: {at_least: 3}}
"""


def test_denunciation_with_notice_and_not_before(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, DENUNCIATION)
    record = write_record(tmp_path, treaty, """
        - {date: 1950-01-01, kind: ratification, party: FR}
        - {date: 1950-01-01, kind: ratification, party: DE}
        - {date: 1950-01-01, kind: ratification, party: IT}
        - {date: 1969-12-31, kind: denunciation, party: FR}
        - {date: 1970-01-01, kind: denunciation, party: DE}
    """)
    too_early = at(treaty, record, "1969-12-31")
    assert too_early.parties["FR"].standing == "bound"
    assert too_early.parties["FR"].notice_given_on is None
    assert says(rejections(too_early), "denunciation by France on 1969-12-31 does not count",
                "only from 1970-01-01", "(Article 13)", "20 years")

    notice = at(treaty, record, "1970-01-01")
    assert notice.parties["DE"].standing == "withdrawing"
    assert notice.parties["DE"].notice_given_on == d("1970-01-01")
    assert notice.parties["DE"].withdrawn_since is None
    assert says([r.statement for r in notice.because], "notice of denunciation on 1970-01-01",
                "takes effect on 1971-01-01")

    assert at(treaty, record, "1970-12-31").parties["DE"].standing == "withdrawing"
    gone = at(treaty, record, "1971-01-01")
    assert gone.parties["DE"].standing == "withdrawn"
    assert gone.parties["DE"].withdrawn_since == d("1971-01-01")
    assert gone.parties["FR"].standing == "bound"
    assert gone.state == "in_force"


def test_a_withdrawn_party_is_not_bound_since_and_keeps_its_period(tmp_path: Path) -> None:
    # a script reading only `bound_since` must see that a withdrawn party is not bound;
    # when it was bound stays in `bound_periods`
    treaty = write_treaty(tmp_path, DENUNCIATION)
    record = write_record(tmp_path, treaty, """
        - {date: 1950-01-01, kind: ratification, party: FR}
        - {date: 1950-01-01, kind: ratification, party: DE}
        - {date: 1950-01-01, kind: ratification, party: IT}
        - {date: 1970-01-01, kind: denunciation, party: DE}
    """)
    withdrawing = at(treaty, record, "1970-06-01").to_json()["parties"]["DE"]
    assert withdrawing["standing"] == "withdrawing"
    assert withdrawing["bound_since"] == "1950-01-01"
    assert withdrawing["bound_periods"] == [{"since": "1950-01-01", "until": None}]

    gone = at(treaty, record, "1971-01-01")
    data = gone.to_json()["parties"]
    assert data["DE"]["standing"] == "withdrawn"
    assert data["DE"]["bound_since"] is None
    assert data["DE"]["withdrawn_since"] == "1971-01-01"
    assert data["DE"]["bound_periods"] == [{"since": "1950-01-01", "until": "1971-01-01"}]
    assert data["FR"]["bound_since"] == "1950-01-01"
    assert data["FR"]["bound_periods"] == [{"since": "1950-01-01", "until": None}]
    assert data["ES"]["bound_periods"] == []
    assert gone.parties["DE"].bound_from == d("1950-01-01")
    assert says([r.statement for r in gone.because],
                "Germany was bound from 1950-01-01 until 1971-01-01")
    # before it was bound, there is no period
    assert at(treaty, record, "1949-12-31").to_json()["parties"]["DE"]["bound_periods"] == []


def test_withdrawal_by_a_party_that_is_not_bound_is_rejected(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{count: {at_least: 2}}",
                           procedure="ratification: {}\nwithdrawal: {notice: 6 months}")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: FR}
        - {date: 2020-02-01, kind: withdrawal, party: FR}
        - {date: 2020-03-01, kind: ratification, party: DE}
        - {date: 2020-04-01, kind: withdrawal, party: IT}
        - {date: 2020-05-01, kind: withdrawal, party: DE}
    """)
    result = at(treaty, record, "2020-06-01")
    messages = rejections(result)
    # France had consented but the treaty was not in force: it was not bound
    assert says(messages, "withdrawal by France on 2020-02-01 does not count", "not bound")
    assert says(messages, "withdrawal by Italy on 2020-04-01 does not count", "not bound")
    assert result.parties["FR"].standing == "bound"
    assert result.parties["IT"].standing == "none"
    assert result.parties["DE"].standing == "withdrawing"
    assert at(treaty, record, "2020-11-01").parties["DE"].standing == "withdrawn"


def test_ratification_before_signature_is_rejected(tmp_path: Path) -> None:
    treaty = simple_treaty(
        tmp_path, "{count: {instruments: [ratification], at_least: 2}}",
        procedure="signature: {}\nratification: {article: Article 14, requires: [signature]}")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: signature, party: DE}
        - {date: 2020-02-01, kind: ratification, party: FR}
        - {date: 2020-03-01, kind: signature, party: FR}
        - {date: 2020-04-01, kind: ratification, party: DE}
    """)
    result = at(treaty, record, "2020-12-31")
    assert result.state == "not_in_force"
    assert says(rejections(result), "ratification by France on 2020-02-01 does not count",
                "(Article 14)", "requires signature by France first")
    assert result.parties["FR"].standing == "signatory"
    assert result.parties["FR"].consent is None


# --- the order of the record does not matter -----------------------------------------------------

ORDERED_ACTS = [
    "- {id: s-fr, date: 2000-01-01, kind: signature, party: FR}",
    "- {id: s-de, date: 2000-01-01, kind: signature, party: DE}",
    "- {id: s-it, date: 2000-01-05, kind: signature, party: IT}",
    "- {id: r-fr, date: 2000-01-05, kind: ratification, party: FR}",
    "- {id: t-1, date: 2000-01-06, kind: talks_round, parties: [FR, DE]}",
    "- {id: r-it, date: 2000-01-05, kind: ratification, party: IT}",
    "- {id: r-de, date: 2000-02-01, kind: ratification, party: DE}",
    "- {id: r-es, date: 2000-02-01, kind: ratification, party: ES}",
    "- {id: s-es, date: 2000-03-01, kind: signature, party: ES}",
    "- {id: d-fr, date: 2001-01-01, kind: denunciation, party: FR}",
]


ORDER_DAYS = ("1999-12-31", "2000-01-01", "2000-01-05", "2000-02-01", "2000-03-01",
              "2001-01-01", "2002-01-01")


def substance(result: Status) -> dict[str, Any]:
    """What the status concludes: the state, its dates, every party's standing,
    what is pending and what was rejected (not the wording of the trace)."""
    data = result.to_json()
    data["rejected"] = sorted(item["message"] for item in data["rejected"])
    data["pending"] = sorted(data["pending"])
    del data["because"]
    return data


def summary(result: Status) -> dict[str, Any]:
    """The whole status, the trace included (its reasons in any order)."""
    data = result.to_json()
    data["rejected"] = sorted(item["message"] for item in data["rejected"])
    data["because"] = sorted((r["statement"], r["clause"], tuple(sorted(r["acts"])))
                             for r in data["because"])
    data["pending"] = sorted(data["pending"])
    return data


def order_treaty(tmp_path: Path) -> Treaty:
    return simple_treaty(
        tmp_path, "{count: {instruments: [ratification], at_least: 2}}",
        procedure="signature: {}\nratification: {requires: [signature]}\n"
                  "denunciation: {notice: 1 year}")


def test_acts_listed_out_of_order_give_the_same_status(tmp_path: Path) -> None:
    treaty = order_treaty(tmp_path)
    ordered = write_record(tmp_path, treaty, "\n".join(ORDERED_ACTS), "ordered.yaml")
    reverse = write_record(tmp_path, treaty, "\n".join(reversed(ORDERED_ACTS)), "reverse.yaml")
    shuffled_acts = list(ORDERED_ACTS)
    random.Random(7).shuffle(shuffled_acts)
    shuffled = write_record(tmp_path, treaty, "\n".join(shuffled_acts), "shuffled.yaml")
    for day in ORDER_DAYS:
        expected = substance(at(treaty, ordered, day))
        assert substance(at(treaty, reverse, day)) == expected, day
        assert substance(at(treaty, shuffled, day)) == expected, day
    result = at(treaty, ordered, "2000-01-05")
    assert result.in_force_since == d("2000-01-05")
    assert standings(result) == {"FR": "bound", "DE": "signatory", "IT": "bound", "ES": "none",
                                 "PL": "none"}
    # ES ratified before signing: rejected whatever the order
    assert says(rejections(at(treaty, reverse, "2000-03-01")),
                "ratification by Spain on 2000-02-01 does not count")


def test_acts_listed_out_of_order_give_the_same_because_trace(tmp_path: Path) -> None:
    """The explanation is part of the status: it must not depend on the order in
    which a file lists acts of the same day (regression: the pass used to break
    same-day ties by file position, so "completed by ... France and ... Italy"
    flipped when the file listed Italy first)."""
    treaty = order_treaty(tmp_path)
    ordered = write_record(tmp_path, treaty, "\n".join(ORDERED_ACTS), "ordered.yaml")
    reverse = write_record(tmp_path, treaty, "\n".join(reversed(ORDERED_ACTS)), "reverse.yaml")
    for day in ORDER_DAYS:
        assert summary(at(treaty, reverse, day)) == summary(at(treaty, ordered, day)), day


def test_csv_record_gives_the_same_status_as_yaml(tmp_path: Path) -> None:
    treaty = order_treaty(tmp_path)
    yaml_record = write_record(tmp_path, treaty, "\n".join(ORDERED_ACTS))
    csv_path = tmp_path / "record.csv"
    csv_path.write_text(
        "id,date,kind,party,parties,source\n"
        "s-fr,2000-01-01,signature,FR,,test\n"
        "s-de,2000-01-01,signature,DE,,test\n"
        "s-it,2000-01-05,signature,IT,,test\n"
        "r-fr,2000-01-05,ratification,FR,,test\n"
        't-1,2000-01-06,talks_round,,"FR; DE",test\n'
        "r-it,2000-01-05,ratification,IT,,test\n"
        "r-de,2000-02-01,ratification,DE,,test\n"
        "r-es,2000-02-01,ratification,ES,,test\n"
        "s-es,2000-03-01,signature,ES,,test\n"
        "d-fr,2001-01-01,denunciation,FR,,test\n",
        encoding="utf-8",
    )
    csv_record = load_record(csv_path, treaty)
    assert not csv_record.rejected
    assert [a.id for a in csv_record.acts] == [a.id for a in yaml_record.acts]
    for day in ORDER_DAYS:
        assert summary(at(treaty, csv_record, day)) == summary(at(treaty, yaml_record, day))


# --- several acts on one day ---------------------------------------------------------------------


def test_signature_and_ratification_on_one_day_in_either_order(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{count: {instruments: [ratification], at_least: 2}}",
                           procedure="signature: {}\nratification: {requires: [signature]}")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: FR}
        - {date: 2020-01-01, kind: signature, party: FR}
        - {date: 2020-01-01, kind: signature, party: DE}
        - {date: 2020-01-01, kind: ratification, party: DE}
        - {date: 2020-01-01, kind: statement, party: DE, text: We are bound.}
    """)
    result = at(treaty, record, "2020-01-01")
    assert not result.rejected
    assert result.in_force_since == d("2020-01-01")
    assert standings(result)["FR"] == standings(result)["DE"] == "bound"
    assert at(treaty, record, "2019-12-31").state == "not_in_force"


def test_many_deposits_on_one_day(tmp_path: Path) -> None:
    treaty = simple_treaty(tmp_path, "{count: {at_least: 3}}")
    record = write_record(tmp_path, treaty, """
        - {date: 2020-01-01, kind: ratification, party: FR}
        - {date: 2020-01-01, kind: ratification, party: DE}
        - {date: 2020-01-01, kind: ratification, party: IT}
        - {date: 2020-01-01, kind: ratification, party: ES}
        - {date: 2020-01-01, kind: ratification, party: PL}
    """)
    result = at(treaty, record, "2020-01-01")
    assert result.in_force_since == d("2020-01-01")
    assert set(standings(result).values()) == {"bound"}
    assert len(result.because[0].acts) == 5


def test_a_timed_fact_and_a_dated_act_on_one_day(tmp_path: Path) -> None:
    """A fact may carry a time with a timezone; an act on the same calendar day
    without a time must not break loading (regression: sorting compared a
    datetime with datetime.time and raised TypeError)."""
    treaty = simple_treaty(tmp_path, "{all: [{count: {at_least: 2}}, {fact: withdrawal}]}",
                           extra=FACTS)
    record = write_record(tmp_path, treaty, """
        - {date: 2022-04-01, kind: ratification, party: FR}
        - {date: "2022-04-01T10:00+03:00", kind: fact, fact: withdrawal}
        - {date: 2022-04-01, kind: ratification, party: DE}
    """)
    result = at(treaty, record, "2022-04-01")
    assert result.in_force_since == d("2022-04-01")


def test_a_date_written_as_a_number_is_rejected(tmp_path: Path) -> None:
    """YAML reads `date: 20200105` as an integer; the act must be rejected with a
    message, not read as a Unix timestamp (regression: it used to become
    1970-08-22T19:08:25Z through pydantic's lax datetime parsing)."""
    treaty = simple_treaty(tmp_path, "{count: {at_least: 1}}")
    record = write_record(tmp_path, treaty, """
        - {date: 20200105, kind: ratification, party: FR}
    """)
    assert not record.acts
    assert len(record.rejected) == 1
    assert says([record.rejected[0].message], "20200105", "YYYY-MM-DD")


# --- properties of the rule language (hypothesis) ------------------------------------------------

CODES = ("FR", "DE", "IT", "ES", "PL", "NL", "BE", "AT")
WEIGHTS = {"FR": 20, "DE": 25, "IT": 15, "ES": 10, "PL": 10, "NL": 8, "BE": 7, "AT": 5}
START = date(2000, 1, 1)
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
SOURCE = SourceMap("memory.yaml")


def build_treaty(when: dict[str, Any], effective: Any, requires: bool) -> Treaty:
    ratification: dict[str, Any] = {"requires": ["signature"]} if requires else {}
    data = {
        "id": "property",
        "title": "A treaty for properties",
        "parties": [{"code": c, "weights": {"votes": WEIGHTS[c]}} for c in CODES],
        "groups": {"core": ["FR", "DE", "IT"]},
        "facts": {"ceasefire": {"description": "A ceasefire holds"}},
        "procedure": {
            "signature": {},
            "ratification": ratification,
            "acceptance": {},
            "denunciation": {"notice": "1 year"},
        },
        "entry_into_force": {"when": when, "effective": effective},
    }
    return treaty_from_data(data, SOURCE)


def build_record(rows: Sequence[dict[str, Any]], treaty: Treaty) -> Record:
    return record_from_rows(
        [({**row, "source": "test"}, row["id"], Position("memory.yaml", index + 1),
          RowLocator(None, ()))
         for index, row in enumerate(rows)],
        treaty,
    )


CONSENT_KINDS = st.sampled_from(["ratification", "acceptance"])
PARTY = st.sampled_from(CODES)
DAY = st.integers(0, 90).map(lambda n: (START + timedelta(days=n)).isoformat())
FEW_DAYS = st.integers(0, 20).map(lambda n: (START + timedelta(days=n)).isoformat())

MONOTONE_LEAVES = st.one_of(
    st.integers(1, len(CODES)).map(lambda n: {"count": {"at_least": n}}),
    st.integers(0, len(CODES) - 1).map(lambda n: {"count": {"more_than": n}}),
    st.integers(1, 3).map(lambda n: {"count": {"by": "core", "at_least": n}}),
    st.lists(st.sampled_from([*CODES, "core"]), min_size=1, max_size=3, unique=True).map(
        lambda names: {"including": {"parties": names}}),
    st.integers(5, 100).map(lambda w: {"weight": {"key": "votes", "at_least": w}}),
    st.integers(1, 3).map(
        lambda n: {"count": {"instruments": ["ratification"], "at_least": n}}),
)
MONOTONE_RULES = st.recursive(
    MONOTONE_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda cs: {"all": cs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda cs: {"any": cs}),
    ),
    max_leaves=4,
)
ANY_LEAVES = st.one_of(
    MONOTONE_LEAVES,
    st.just({"fact": "ceasefire"}),
    st.just({"not": {"fact": "ceasefire"}}),
    st.just({"count": {"instruments": ["ratification"], "by": "signatories",
                       "more_than": {"fraction": 0.5, "of": "signatories"}}}),
)
ANY_RULES = st.recursive(
    ANY_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda cs: {"all": cs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda cs: {"any": cs}),
        inner.map(lambda c: {"not": c}),
    ),
    max_leaves=4,
)
FORWARD_EFFECTIVE = st.sampled_from([
    "0 days", "30 days", "1 year", "first day of the month following 90 days",
    {"months": 6, "then": "first_day_of_month"}, {"months": 1, "month_overflow": "roll_over"},
])
ANY_EFFECTIVE = st.one_of(
    FORWARD_EFFECTIVE,
    st.fixed_dictionaries({
        "days": st.integers(0, 100),
        "months": st.integers(0, 12),
        "then": st.sampled_from([None, "first_day_of_next_month"]),
    }),
    st.integers(1, 12).map(lambda n: {"months": n, "then": "first_day_of_month"}),
)


@st.composite
def acts(draw: st.DrawFn, max_size: int = 14) -> list[dict[str, Any]]:
    """Acts of every kind on a few days, so that many fall on the same day."""
    kinds = st.sampled_from(["signature", "ratification", "acceptance", "ratification",
                             "fact", "statement", "denunciation"])
    rows = []
    for index in range(draw(st.integers(0, max_size))):
        kind = draw(kinds)
        row: dict[str, Any] = {"id": f"a{index}", "date": draw(FEW_DAYS), "kind": kind}
        if kind == "fact":
            row["fact"] = "ceasefire"
        else:
            row["party"] = draw(PARTY)
        if kind == "denunciation":  # late enough to be after entry into force, often
            row["date"] = (date.fromisoformat(row["date"]) + timedelta(days=500)).isoformat()
        rows.append(row)
    return rows


@st.composite
def consents(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for index in range(draw(st.integers(0, 10))):
        rows.append({"id": f"c{index}", "date": draw(DAY), "kind": draw(CONSENT_KINDS),
                     "party": draw(PARTY)})
    return rows


FAR = date(2100, 1, 1)


@PROPERTY_SETTINGS
@given(ANY_RULES, ANY_EFFECTIVE, st.booleans(), acts())
def test_not_in_force_before_any_act(
    when: dict[str, Any], effective: Any, requires: bool, rows: list[dict[str, Any]]
) -> None:
    treaty = build_treaty(when, effective, requires)
    record = build_record(rows, treaty)
    first = min((a.day for a in record.acts), default=FAR)
    for day in (first - timedelta(days=1), first - timedelta(days=400)):
        result = status(treaty, record, day)
        assert result.state == "not_in_force"
        assert result.in_force_since is None
        assert result.conditions_met_on is None
        assert all(p.standing == "none" for p in result.parties.values())
    if not record.acts:
        assert status(treaty, record, FAR).state == "not_in_force"


@PROPERTY_SETTINGS
@given(MONOTONE_RULES, FORWARD_EFFECTIVE, consents(), CONSENT_KINDS, PARTY, DAY)
def test_one_more_instrument_never_delays_entry_into_force(
    when: dict[str, Any], effective: Any, rows: list[dict[str, Any]],
    kind: str, party: str, day: str,
) -> None:
    treaty = build_treaty(when, effective, requires=False)
    before = status(treaty, build_record(rows, treaty), FAR)
    extra = {"id": "extra", "date": day, "kind": kind, "party": party}
    for position in (0, len(rows)):  # first or last in the file
        more = [*rows[:position], extra, *rows[position:]]
        after = status(treaty, build_record(more, treaty), FAR)
        if before.conditions_met_on is not None:
            assert after.conditions_met_on is not None
            assert after.conditions_met_on <= before.conditions_met_on
            assert after.in_force_since is not None and before.in_force_since is not None
            assert after.in_force_since <= before.in_force_since
        # nobody who was bound is bound later
        for code, party_status in before.parties.items():
            if party_status.bound_since is not None:
                now = after.parties[code].bound_since
                assert now is not None and now <= party_status.bound_since


@PROPERTY_SETTINGS
@given(ANY_RULES, FORWARD_EFFECTIVE, st.booleans(), acts(), st.randoms(use_true_random=False))
def test_the_order_of_the_record_file_does_not_change_the_status(
    when: dict[str, Any], effective: Any, requires: bool, rows: list[dict[str, Any]],
    rng: random.Random,
) -> None:
    treaty = build_treaty(when, effective, requires)
    shuffled = list(rows)
    rng.shuffle(shuffled)
    original = build_record(rows, treaty)
    permuted = build_record(shuffled, treaty)
    days = sorted({a.day for a in original.acts} | {START, FAR})
    for day in days:
        assert substance(status(treaty, permuted, day)) == substance(
            status(treaty, original, day))


# --- withdrawal counted per party, with a later date named in the notice -------------------------

PER_PARTY_WITHDRAWAL = """
id: per-party-withdrawal
title: Withdrawal in the shape of the Paris Agreement, Art. 28
parties: [{code: FR}, {code: DE}, {code: IT}, {code: ES}]
procedure:
  acceptance: {}
  withdrawal:
    article: Article 28
    not_before: 3 years
    not_before_from: FROM
    notice: 1 year
    later_date_allowed: true
entry_into_force:
  when: {count: {at_least: 3}}
  effective: 30 days
  late_instruments: 30 days
  late_instruments_after: conditions_met
"""


def _per_party(tmp_path: Path, counted_from: str, acts: str) -> tuple[Treaty, Record]:
    treaty = write_treaty(tmp_path, PER_PARTY_WITHDRAWAL.replace("FROM", counted_from))
    return treaty, write_record(tmp_path, treaty, acts)


def test_withdrawal_waiting_period_counts_from_entry_into_force_for_the_party(
    tmp_path: Path,
) -> None:
    # in force 2016-11-04 for FR, DE, IT; ES accepts later and is bound from 2018-01-31
    acts = """
        - {date: 2016-10-05, kind: acceptance, party: FR}
        - {date: 2016-10-05, kind: acceptance, party: DE}
        - {date: 2016-10-05, kind: acceptance, party: IT}
        - {date: 2018-01-01, kind: acceptance, party: ES}
        - {date: 2019-11-04, kind: withdrawal, party: FR}
        - {date: 2020-06-01, kind: withdrawal, party: ES}
        - {date: 2021-02-01, kind: withdrawal, party: ES}
    """
    treaty, record = _per_party(tmp_path, "entry_into_force_for_party", acts)
    result = at(treaty, record, "2022-06-01")
    assert result.in_force_since == d("2016-11-04")
    assert result.parties["ES"].bound_periods[0].since == d("2018-01-31")
    # FR: three years after the treaty entered into force for it; effect a year later
    assert result.parties["FR"].withdrawn_since == d("2020-11-04")
    # ES: 2020-06-01 is over three years after the treaty's entry into force, but not
    # after its entry into force for Spain (2018-01-31): too early
    assert says(rejections(result), "withdrawal by Spain on 2020-06-01 does not count",
                "only from 2021-01-31", "its entry into force for Spain on 2018-01-31")
    assert result.parties["ES"].notice_given_on == d("2021-02-01")
    assert result.parties["ES"].withdrawn_since == d("2022-02-01")

    # counted from the treaty's own entry into force, the Spanish notice of 2020 counts
    treaty, record = _per_party(tmp_path, "entry_into_force", acts)
    result = at(treaty, record, "2022-06-01")
    assert result.parties["ES"].notice_given_on == d("2020-06-01")
    assert result.parties["ES"].withdrawn_since == d("2021-06-01")


def test_a_notice_may_name_a_later_date_of_effect_but_not_an_earlier_one(
    tmp_path: Path,
) -> None:
    treaty, record = _per_party(tmp_path, "entry_into_force_for_party", """
        - {date: 2016-10-05, kind: acceptance, party: FR}
        - {date: 2016-10-05, kind: acceptance, party: DE}
        - {date: 2016-10-05, kind: acceptance, party: IT}
        - {date: 2019-11-04, kind: withdrawal, party: FR, effective: 2021-03-01}
        - {date: 2019-11-04, kind: withdrawal, party: DE, effective: 2019-12-01}
        - {date: 2017-01-01, kind: acceptance, party: IT, effective: 2018-01-01}
    """)
    result = at(treaty, record, "2022-01-01")
    assert result.parties["FR"].withdrawn_since == d("2021-03-01")  # the later date named
    # an effective date on an act whose clause allows none: refused at reading, located
    messages = [str(r) for r in record.rejected]
    assert any("only a notice whose clause allows a later date" in m for m in messages)
    assert any(re.search(r"record\.yaml:\d+:\d+: error: ", m) for m in messages)
    # DE's earlier date is not before its notice, so it counts — but the clause's date is
    # the floor: one year after notice
    assert result.parties["DE"].withdrawn_since == d("2020-11-04")


# --- a floor under entry into force --------------------------------------------------------------

FLOOR = """
id: floor-test
title: In no case earlier than two years after its opening for signature
adopted: 1993-01-13
parties: [{code: FR}, {code: DE}, {code: IT}]
procedure:
  signature: {}
  ratification: {requires: [signature]}
entry_into_force:
  article: Article XXI(1)
  when: {count: {at_least: 2}}
  effective: 180 days
  not_before: NOT_BEFORE
"""

SIGNED = """
        - {date: 1993-01-13, kind: signature, party: FR}
        - {date: 1993-01-13, kind: signature, party: DE}
"""


@pytest.mark.parametrize(("floor", "second_ratification", "in_force"), [
    ("2 years", "1993-03-01", "1995-01-13"),   # the floor binds: 180 days would be 1993-08-28
    ("2 years", "1996-10-31", "1997-04-29"),   # CWC as it happened: the floor did not bind
    # Lisbon Art. 6(2): "on 1 January 2009 ... or, failing that, on the first day of the
    # month following the deposit of the last" (here with 180 days standing in)
    ("2009-01-01", "2008-01-01", "2009-01-01"),
])
def test_entry_into_force_is_never_before_its_floor(
    tmp_path: Path, floor: str, second_ratification: str, in_force: str
) -> None:
    treaty = write_treaty(tmp_path, FLOOR.replace("NOT_BEFORE", floor))
    record = write_record(tmp_path, treaty, SIGNED + f"""
        - {{date: 1993-02-01, kind: ratification, party: FR}}
        - {{date: {second_ratification}, kind: ratification, party: DE}}
    """)
    result = at(treaty, record, "2010-01-01")
    assert result.in_force_since == d(in_force)
    assert result.conditions_met_on == d(second_ratification)  # the real day, not invented
    if in_force != "1997-04-29":
        assert says([r.statement for r in result.because], f"not before {in_force}",
                    "the clause's floor")


def test_a_floor_counted_from_signature_needs_the_opening_date(tmp_path: Path) -> None:
    text = FLOOR.replace("NOT_BEFORE", "2 years").replace("adopted: 1993-01-13\n", "")
    with pytest.raises(SpecError) as error:
        write_treaty(tmp_path, text)
    (problem,) = error.value.diagnostics
    assert "give the treaty's `adopted` date" in problem.message
    assert problem.position is not None and problem.position.line is not None


@pytest.mark.parametrize(("last_deposit", "in_force"), [
    ("2008-06-10", "2009-01-01"),  # all deposited in time: on 1 January 2009
    ("2009-11-13", "2009-12-01"),  # failing that: the first day of the following month
])
def test_a_date_floor_with_a_first_of_month_fallback(
    tmp_path: Path, last_deposit: str, in_force: str
) -> None:
    text = (FLOOR.replace("NOT_BEFORE", "2009-01-01")
            .replace("effective: 180 days", "effective: {then: first_day_of_next_month}"))
    treaty = write_treaty(tmp_path, text)
    record = write_record(tmp_path, treaty, SIGNED + f"""
        - {{date: 2008-02-01, kind: ratification, party: FR}}
        - {{date: {last_deposit}, kind: ratification, party: DE}}
    """)
    assert at(treaty, record, "2010-06-01").in_force_since == d(in_force)


# --- a count over a group less some of its members ------------------------------------------------

OTHER_STATES = """
id: other-states-test
title: "After ratification by the depositaries and two other States signatory (NPT Art. IX(3))"
parties: [{code: US}, {code: GB}, {code: RU}, {code: IE}, {code: FI}, {code: SE}]
groups:
  depositaries: {members: [US, GB, RU], title: the depositary governments}
procedure:
  signature: {}
  ratification: {requires: [signature]}
entry_into_force:
  article: Article IX(3)
  when:
    all:
      - including: {instruments: [ratification], parties: [depositaries]}
      - count: {instruments: [ratification], by: signatories, excluding: [depositaries],
                at_least: 2}
"""


def test_a_count_of_other_states_leaves_out_the_named_group(tmp_path: Path) -> None:
    treaty = write_treaty(tmp_path, OTHER_STATES)
    signatures = "".join(f"        - {{date: 1968-07-01, kind: signature, party: {c}}}\n"
                         for c in ("US", "GB", "RU", "IE", "FI"))
    record = write_record(tmp_path, treaty, signatures + """
        - {date: 1968-08-01, kind: ratification, party: IE}
        - {date: 1969-01-01, kind: ratification, party: US}
        - {date: 1969-02-01, kind: ratification, party: GB}
        - {date: 1969-03-01, kind: ratification, party: RU}
        - {date: 1970-03-05, kind: ratification, party: FI}
    """)
    # three depositaries and Ireland make four ratifications, but only one "other" State
    before = at(treaty, record, "1970-03-04")
    assert before.state == "not_in_force"
    assert says(before.pending, "needs 1 more instrument of ratification by signatories "
                "other than the depositary governments", "(1 of the 2 required")
    assert at(treaty, record, "1970-03-05").in_force_since == d("1970-03-05")


def test_excluding_an_unknown_group_is_located(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        write_treaty(tmp_path, OTHER_STATES.replace("excluding: [depositaries]",
                                                    "excluding: [depositary]"))
    (problem,) = error.value.diagnostics
    assert "unknown party or group 'depositary'" in problem.message
    assert problem.suggestion == "depositaries"
    assert problem.position is not None
    assert (problem.position.line, problem.position.column) == (15, 75)
