"""Golden tests of the examples whose parties leave, rejoin and revoke: the Paris Agreement
(the United States), the Rome Statute (notices kept and revoked) and the CTBT (a ratification
revoked). Only facts tagged [V] in each example's README, and what the rules derive from
them, are asserted."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from treatyline import Bundle, load_bundle, status, timeline

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@cache
def bundle(name: str) -> Bundle:
    return load_bundle(EXAMPLES / name)


def at(name: str, day: str) -> dict[str, Any]:
    loaded = bundle(name)
    return status(loaded.treaty, loaded.record, date.fromisoformat(day)).to_json()


def test_the_examples_load_without_a_rejected_act() -> None:
    for name in ("paris-2015", "rome-1998", "ctbt-1996"):
        loaded = bundle(name)
        assert not loaded.record.rejected, name
        assert not at(name, "2030-01-01")["rejected"], name


# --- Paris Agreement ------------------------------------------------------------------------


def test_paris_enters_into_force_thirty_days_after_the_threshold() -> None:
    assert at("paris-2015", "2016-11-03")["state"] == "not_in_force"
    on = at("paris-2015", "2016-11-04")
    assert on["state"] == "in_force"
    assert on["conditions_met_on"] == "2016-10-05"
    assert on["parties"]["US"]["bound_since"] == "2016-11-04"
    assert on["parties"]["IN"]["bound_since"] == "2016-11-04"


def test_the_united_states_first_withdrawal() -> None:
    notice = at("paris-2015", "2019-11-04")["parties"]["US"]
    assert notice["standing"] == "withdrawing"
    assert notice["notice_given_on"] == "2019-11-04"
    assert at("paris-2015", "2020-11-03")["parties"]["US"]["standing"] == "withdrawing"
    out = at("paris-2015", "2020-11-04")["parties"]["US"]
    assert out["standing"] == "withdrawn"
    assert out["withdrawn_since"] == "2020-11-04"
    assert out["bound_since"] is None
    assert out["bound_periods"] == [{"since": "2016-11-04", "until": "2020-11-04"}]


def test_the_united_states_rejoins_on_the_thirtieth_day_after_its_new_acceptance() -> None:
    waiting = at("paris-2015", "2021-02-18")["parties"]["US"]
    assert waiting["standing"] == "consented"
    assert waiting["consent"] == {"kind": "acceptance", "date": "2021-01-20"}
    back = at("paris-2015", "2021-02-19")
    us = back["parties"]["US"]
    assert us["standing"] == "bound"
    assert us["bound_since"] == "2021-02-19"
    assert us["bound_periods"] == [{"since": "2016-11-04", "until": "2020-11-04"},
                                   {"since": "2021-02-19", "until": None}]
    statements = [r["statement"] for r in back["because"]]
    assert any("was bound from 2016-11-04 until 2020-11-04" in s for s in statements)
    assert any("bound since 2021-02-19" in s and "30 days after deposit" in s
               for s in statements)


def test_the_united_states_second_withdrawal_takes_effect_on_27_january_2026() -> None:
    notice = at("paris-2015", "2025-01-27")["parties"]["US"]
    assert notice["standing"] == "withdrawing"
    assert at("paris-2015", "2026-01-26")["parties"]["US"]["standing"] == "withdrawing"
    out = at("paris-2015", "2026-01-27")
    assert out["state"] == "in_force"
    us = out["parties"]["US"]
    assert us["standing"] == "withdrawn"
    assert us["withdrawn_since"] == "2026-01-27"
    assert us["bound_periods"] == [{"since": "2016-11-04", "until": "2020-11-04"},
                                   {"since": "2021-02-19", "until": "2026-01-27"}]


def test_paris_timeline_marks_each_change_of_the_united_states() -> None:
    loaded = bundle("paris-2015")
    derived = [(e.day.isoformat(), e.what) for e in timeline(loaded.treaty, loaded.record)
               if e.kind == "derived" and e.party == "US"]
    assert derived == [("2020-11-04", "withdrawal_effective"), ("2021-02-19", "bound"),
                       ("2026-01-27", "withdrawal_effective")]


# --- Rome Statute ---------------------------------------------------------------------------


def test_rome_enters_into_force_on_1_july_2002() -> None:
    assert at("rome-1998", "2002-06-30")["state"] == "not_in_force"
    on = at("rome-1998", "2002-07-01")
    assert on["state"] == "in_force"
    assert on["conditions_met_on"] == "2002-04-11"
    assert on["parties"]["ZA"]["bound_since"] == "2002-07-01"


def test_burundi_has_been_withdrawn_since_27_october_2017() -> None:
    assert at("rome-1998", "2017-10-26")["parties"]["BI"]["standing"] == "withdrawing"
    burundi = at("rome-1998", "2017-10-27")["parties"]["BI"]
    assert burundi["standing"] == "withdrawn"
    assert burundi["withdrawn_since"] == "2017-10-27"
    assert burundi["notice_given_on"] == "2016-10-27"


def test_south_africa_and_the_gambia_revoked_their_notices_and_remain_parties() -> None:
    assert at("rome-1998", "2017-02-09")["parties"]["GM"]["standing"] == "withdrawing"
    assert at("rome-1998", "2017-02-10")["parties"]["GM"]["standing"] == "bound"
    assert at("rome-1998", "2017-03-06")["parties"]["ZA"]["standing"] == "withdrawing"
    later = at("rome-1998", "2018-01-01")
    south_africa = later["parties"]["ZA"]
    assert south_africa["standing"] == "bound"
    assert south_africa["bound_since"] == "2002-07-01"
    assert south_africa["notice_given_on"] is None
    assert south_africa["withdrawn_since"] is None
    assert later["parties"]["GM"]["standing"] == "bound"
    statements = [r["statement"] for r in later["because"]]
    assert any("South Africa gave notice of withdrawal" in s and "revoked it on 2017-03-07" in s
               for s in statements)


def test_the_philippines_withdrawal_took_effect_on_17_march_2019() -> None:
    assert at("rome-1998", "2019-03-16")["parties"]["PH"]["standing"] == "withdrawing"
    philippines = at("rome-1998", "2019-03-17")["parties"]["PH"]
    assert philippines["standing"] == "withdrawn"
    assert philippines["withdrawn_since"] == "2019-03-17"


# --- CTBT -----------------------------------------------------------------------------------

EIGHT = "China, Egypt, Israel, India, Iran, North Korea, Pakistan"


def test_the_ctbt_is_not_in_force_and_russia_is_again_a_signatory() -> None:
    before = at("ctbt-1996", "2023-11-01")
    assert before["state"] == "not_in_force"
    assert before["parties"]["RU"]["standing"] == "consented"
    assert before["parties"]["RU"]["consent"] == {"kind": "ratification", "date": "2000-06-30"}
    assert before["pending"] == [f"needs ratification by {EIGHT} and the United States"]

    after = at("ctbt-1996", "2023-11-02")
    assert after["state"] == "not_in_force"
    russia = after["parties"]["RU"]
    assert russia["standing"] == "signatory"
    assert russia["consent"] is None
    assert russia["signed_on"] == "1996-09-24"
    assert after["pending"] == [
        f"needs ratification by {EIGHT}, the Russian Federation and the United States"]
    statements = [r["statement"] for r in after["because"]]
    assert any("revoked its instrument of ratification of 2000-06-30 on 2023-11-02" in s
               for s in statements)
    assert at("ctbt-1996", "2030-01-01")["state"] == "not_in_force"
