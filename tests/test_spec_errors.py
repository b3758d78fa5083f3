"""Golden bad cases: each error names file:line:column and what was expected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from treatyline import SpecError, load_treaty

GOOD = """
id: t
title: Test treaty
parties:
  - code: UA
    roles: [guaranteed_state]
  - code: FR
    roles: [guarantor]
  - code: GB
    roles: [guarantor]
groups:
  guarantors: {roles: [guarantor]}
procedure:
  signature: {}
  ratification: {requires: [signature]}
entry_into_force:
  when:
    all:
      - including: {parties: [UA]}
      - count: {by: guarantors, at_least: 2}
"""


def errors_of(write: Callable[[str, str], Path], text: str) -> list[str]:
    path = write("treaty.yaml", text)
    with pytest.raises(SpecError) as caught:
        load_treaty(path)
    return [str(d).replace(str(path), "treaty.yaml") for d in caught.value.diagnostics]


def test_good_file_loads(write: Callable[[str, str], Path]) -> None:
    treaty = load_treaty(write("treaty.yaml", GOOD))
    assert [p.code for p in treaty.parties] == ["UA", "FR", "GB"]


def test_unknown_group_in_rule_has_position_and_suggestion(
    write: Callable[[str, str], Path],
) -> None:
    errors = errors_of(write, GOOD.replace("by: guarantors", "by: guarantor"))
    assert errors == [
        "treaty.yaml:19:21: error: unknown group 'guarantor' (did you mean 'guarantors'?)"
    ]


def test_unknown_party_in_rule(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("parties: [UA]", "parties: [UK]"))
    assert errors == [
        "treaty.yaml:18:31: error: unknown party or group 'UK' (did you mean 'GB'?)"
    ]


def test_unknown_depositary(write: Callable[[str, str], Path]) -> None:
    # a depositary is one of the declared parties: an unknown code used to pass `check`
    text = GOOD.replace("title: Test treaty\n", "title: Test treaty\ndepositary: [FR, UK]\n")
    assert errors_of(write, text) == [
        "treaty.yaml:3:18: error: unknown party 'UK' as depositary (declare it among the "
        "parties) (did you mean 'GB'?)"
    ]
    block = text.replace("depositary: [FR, UK]", "depositary:\n  - fr\n  - XX")
    assert errors_of(write, block) == [
        "treaty.yaml:4:5: error: unknown party 'fr' as depositary (declare it among the "
        "parties) (did you mean 'FR'?)",
        "treaty.yaml:5:5: error: unknown party 'XX' as depositary (declare it among the "
        "parties)",
    ]
    assert load_treaty(write("treaty.yaml", text.replace("UK", "GB"))).depositary == ("FR", "GB")


def test_rule_naming_act_kind_the_procedure_lacks(write: Callable[[str, str], Path]) -> None:
    text = GOOD.replace("including: {parties: [UA]}",
                        "including: {instruments: [acceptance], parties: [UA]}")
    errors = errors_of(write, text)
    assert len(errors) == 1
    assert errors[0].startswith("treaty.yaml:18:35: error: unknown act kind 'acceptance' "
                                "(the procedure does not define it)")


def test_misspelt_act_kind_in_requires(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("requires: [signature]", "requires: [signture]"))
    assert errors == [
        "treaty.yaml:14:29: error: unknown act kind 'signture' (not defined in the procedure) "
        "(did you mean 'signature'?)"
    ]


def test_unknown_field_points_at_key(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("entry_into_force:", "entry_in_force:"))
    assert "treaty.yaml:15:1: error: unknown field 'entry_in_force' " \
           "(did you mean 'entry_into_force'?)" in errors
    assert "treaty.yaml:1:1: error: missing required field 'entry_into_force'" in errors


def test_misspelt_condition_key(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("- count:", "- cuont:"))
    assert len(errors) == 1
    assert errors[0].startswith("treaty.yaml:19:9: error: a condition is a mapping with exactly "
                                "one of the keys")
    assert errors[0].endswith("(did you mean 'count'?)")


def test_duplicate_party(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("  - code: GB", "  - code: FR"))
    assert errors == ["treaty.yaml:8:11: error: party 'FR' is declared twice"]


def test_not_an_iso_code(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("  - code: GB", "  - code: XX"))
    assert errors[0].startswith("treaty.yaml:8:11: error: 'XX' is not an ISO 3166-1 alpha-2")


def test_impossible_date(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("title: Test treaty", "title: T\nadopted: 2022-02-30"))
    assert errors == [
        "treaty.yaml:3:10: error: adopted: '2022-02-30' is not a real date: "
        "day is out of range for month"
    ]


def test_bad_period(write: Callable[[str, str], Path]) -> None:
    text = GOOD + "  effective: 30 dayz\n"
    errors = errors_of(write, text)
    assert len(errors) == 1
    assert errors[0].startswith("treaty.yaml:20:14: error: entry_into_force.effective: cannot "
                                "read '30 dayz' as a period")


def test_yaml_syntax_error(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("parties: [UA]}", "parties: [UA}"))
    assert len(errors) == 1
    assert errors[0].startswith("treaty.yaml:18:")
    assert "YAML syntax" in errors[0]


def test_duplicate_yaml_key(write: Callable[[str, str], Path]) -> None:
    errors = errors_of(write, GOOD.replace("title: Test treaty", "title: A\ntitle: B"))
    assert errors == ["treaty.yaml:3:1: error: duplicate key 'title'"]


def test_duplicate_provision_id_and_unknown_area(write: Callable[[str, str], Path]) -> None:
    text = GOOD + """provisions:
  - {id: p1, kind: obligation, bearers: [guarantors], areas: [scope]}
  - {id: p1, kind: prohibition, bearers: [UA], forbids: [alliance_membership]}
"""
    errors = errors_of(write, text)
    assert errors == [
        "treaty.yaml:22:10: error: provision id 'p1' is used twice",
        "treaty.yaml:21:63: error: unknown area 'scope'",
        "treaty.yaml:22:58: error: unknown act kind 'alliance_membership'",
    ]


def test_every_problem_is_reported_at_once(write: Callable[[str, str], Path]) -> None:
    text = GOOD.replace("by: guarantors", "by: guarantor").replace("parties: [UA]", "parties: [UK]")
    assert len(errors_of(write, text)) == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such treaty file"):
        load_treaty(tmp_path / "nope.yaml")
