"""Weights read from a CSV table the treaty names, and weighted thresholds given as a
fraction of a group's total weight."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyline.errors import SpecError
from treatyline.record import load_record
from treatyline.spec import Treaty, load_treaty
from treatyline.status import status

TREATY = """\
id: weighted
title: Weighted
open_to: all_states
parties: [{code: RU}, {code: JP}]
groups:
  annex_i: [RU, JP, US]
weights_table: shares.csv
procedure:
  ratification: {}
entry_into_force:
  when:
    weight: {key: co2, by: annex_i, at_least: {fraction: 0.55, of: annex_i}}
  effective: 90 days
"""

TABLE = "party,co2\nRU,17.4\nJP,8.5\nUS,36.1\n"


def write(tmp_path: Path, treaty: str = TREATY, table: str = TABLE) -> Treaty:
    (tmp_path / "shares.csv").write_text(table, encoding="utf-8")
    (tmp_path / "treaty.yaml").write_text(treaty, encoding="utf-8")
    return load_treaty(tmp_path / "treaty.yaml")


def errors(tmp_path: Path, treaty: str = TREATY, table: str = TABLE) -> list[str]:
    with pytest.raises(SpecError) as caught:
        write(tmp_path, treaty, table)
    return [str(diagnostic) for diagnostic in caught.value.diagnostics]


def test_weights_come_from_the_table(tmp_path: Path) -> None:
    treaty = write(tmp_path)
    assert treaty.weight("RU", "co2") == 17.4 and treaty.weight("US", "co2") == 36.1
    assert treaty.weight("FR", "co2") == 0.0


def test_a_fraction_of_a_groups_total_weight(tmp_path: Path) -> None:
    treaty = write(tmp_path)
    record = tmp_path / "record.yaml"
    record.write_text(textwrap.dedent("""\
        source: test
        acts:
          - {date: 2002-06-01, kind: ratification, party: JP}
          - {date: 2004-11-18, kind: ratification, party: US}
    """), encoding="utf-8")
    loaded = load_record(record, treaty)
    # 0.55 of 62.0 = 34.1: Japan alone (8.5) is short, with the United States 44.6 is enough
    early = status(treaty, loaded, date(2003, 1, 1))
    assert not early.in_force
    assert any("25.6 more of 'co2'" in gap and "55% of the total" in gap
               for gap in early.pending), early.pending
    assert status(treaty, loaded, date(2005, 2, 16)).in_force_since == date(2005, 2, 16)


@pytest.mark.parametrize(("table", "fragment", "line", "column"), [
    ("name,co2\nRU,1\n", "'party'", 1, 1),
    ("party,co2,co2\nRU,1,2\n", "appears twice", 1, 11),
    ("party,co2\nRU,lots\n", "'lots' is not a number", 2, 4),
    ("party,co2\nRU,-1\n", "0 or more", 2, 4),
    ("party,co2\nRU,nan\n", "finite", 2, 4),
    ("party,co2\nRUS,1\n", "unknown party 'RUS'", 2, 1),
    ("party,co2\nRU,1\nRU,2\n", "second row", 3, 1),
    ("party,co2\nRU,1,2\n", "3 cell(s)", 2, 6),
])
def test_bad_cells_are_located(tmp_path: Path, table: str, fragment: str, line: int,
                               column: int) -> None:
    found = errors(tmp_path, table=table)
    assert any(fragment in e and f"shares.csv:{line}:{column}:" in e for e in found), found
    if "co2" in table.split("\n")[0]:
        # a bad row does not make the column unknown to the rules
        assert not any("no party declares" in e for e in found), found


def test_a_weight_given_twice_names_both_places(tmp_path: Path) -> None:
    treaty = TREATY.replace("{code: RU}", "{code: RU, weights: {co2: 17}}")
    found = errors(tmp_path, treaty=treaty)
    assert any("given twice" in e and "treaty.yaml:4:" in e and "shares.csv:2" in e
               for e in found), found


def test_a_missing_table_is_located_in_the_treaty(tmp_path: Path) -> None:
    (tmp_path / "treaty.yaml").write_text(TREATY, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_treaty(tmp_path / "treaty.yaml")
    assert "treaty.yaml:7:" in str(caught.value)


def test_an_unknown_weight_key_suggests_the_table_column(tmp_path: Path) -> None:
    found = errors(tmp_path, treaty=TREATY.replace("key: co2", "key: co3"))
    assert any("'co3'" in e and "'co2'" in e for e in found), found


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=3,
                max_size=3),
       st.floats(min_value=0.01, max_value=1.0))
def test_the_fraction_threshold_is_the_fraction_of_the_total(shares: list[float],
                                                             fraction: float) -> None:
    import tempfile

    from treatyline.evaluation import evaluate
    from treatyline.rules import holds

    with tempfile.TemporaryDirectory() as folder:
        table = "party,co2\n" + "".join(f"{c},{v!r}\n" for c, v in zip(["RU", "JP", "US"],
                                                                        shares, strict=True))
        treaty = write(Path(folder), TREATY.replace("0.55", repr(fraction)), table)
        record = Path(folder) / "record.yaml"
        record.write_text("source: t\nacts:\n  - {date: 2000-01-01, kind: ratification, "
                          "party: RU}\n", encoding="utf-8")
        ev = evaluate(treaty, load_record(record, treaty))
        expected = shares[0] >= fraction * sum(shares) - 1e-9
        assert holds(treaty.entry_into_force.when, ev.snapshot(date(2000, 1, 1))) == expected
