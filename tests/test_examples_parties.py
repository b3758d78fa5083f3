"""Golden dates of the NPT (1968) and Kyoto Protocol (1997) examples: only facts tagged
[V] in their READMEs, and what the rules derive from them."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from treatyline import Bundle, load_bundle, status
from treatyline.status import Status

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@cache
def bundle(name: str) -> Bundle:
    return load_bundle(EXAMPLES / name)


def at(name: str, day: str) -> Status:
    loaded = bundle(name)
    return status(loaded.treaty, loaded.record, date.fromisoformat(day))


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize("name", ["npt-1968", "kyoto-1997"])
def test_the_examples_load_without_rejections(name: str) -> None:
    assert not bundle(name).record.rejected
    assert not at(name, "2025-01-01").rejected


def test_npt_enters_into_force_on_5_march_1970() -> None:
    before, on = at("npt-1968", "1970-03-04"), at("npt-1968", "1970-03-05")
    assert not before.in_force
    assert on.in_force_since == d("1970-03-05")
    assert on.parties["GB"].bound_since == d("1970-03-05")  # ratified 27 November 1968
    assert on.parties["CS"].bound_since == d("1970-03-05")  # ratified 22 July 1969


def test_npt_russia_continues_the_ussr() -> None:
    before = at("npt-1968", "1991-12-23")
    assert "RU" not in before.parties and before.parties["SU"].standing == "bound"
    after = at("npt-1968", "1991-12-24")
    assert after.parties["SU"].standing == "succeeded"
    russia = after.parties["RU"]
    assert russia.standing == "bound" and russia.bound_since == d("1970-03-05")
    assert russia.succession is not None and russia.succession["continuation"] is True


def test_npt_slovakia_bound_from_the_division_of_czechoslovakia() -> None:
    notified = at("npt-1968", "1993-04-17")
    assert notified.parties["SK"].bound_since == d("1993-01-01")
    assert notified.parties["CS"].standing == "succeeded"
    # the note of 15 April 1993 looks back: the day after the division, Slovakia is bound
    assert at("npt-1968", "1993-01-01").parties["SK"].standing == "bound"


def test_npt_the_dprk_withdrawal_under_each_reading() -> None:
    result = at("npt-1968", "2003-04-10")
    assert result.parties["KP"].standing == "withdrawn"
    assert result.parties["KP"].withdrawn_since == d("2003-04-10")
    (reading,) = result.readings
    assert reading.name == "not_withdrawn" and reading.disputed_by == ("JP",)
    assert reading.status.parties["KP"].standing == "bound"
    assert at("npt-1968", "2003-04-09").parties["KP"].standing == "withdrawing"


def test_kyoto_enters_into_force_on_16_february_2005() -> None:
    result = at("kyoto-1997", "2005-02-16")
    assert result.conditions_met_on == d("2004-11-18")
    assert result.in_force_since == d("2005-02-16")
    assert not at("kyoto-1997", "2005-02-15").in_force
    for code in ("EU", "AT", "RU", "CA"):
        assert result.parties[code].bound_since == d("2005-02-16"), code


def test_kyoto_russias_share_completes_the_55_per_cent() -> None:
    pending = at("kyoto-1997", "2004-11-17").pending
    assert any("11.3 more of 'co2_1990_share'" in gap for gap in pending), pending


def test_kyoto_canada_withdraws_one_year_after_its_notice() -> None:
    assert at("kyoto-1997", "2012-12-14").parties["CA"].standing == "withdrawing"
    result = at("kyoto-1997", "2012-12-15")
    assert result.parties["CA"].standing == "withdrawn"
    assert result.parties["CA"].withdrawn_since == d("2012-12-15")
