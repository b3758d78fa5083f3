"""The norms engine on small treaties and event tables the tests make themselves
(the territory engine is replaced by boxes, so these tests pin the norms logic)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from treatyline import load_record, load_treaty
from treatyline.norms import Assessment, EventArrays, assess

TREATY = """
id: guarantee
title: A guarantee
parties:
  - {code: UA, roles: [guaranteed]}
  - {code: GB, roles: [guarantor]}
  - {code: FR, roles: [guarantor]}
  - {code: RU, roles: [guarantor]}
groups:
  guarantors: {roles: [guarantor]}
act_kinds:
  alliance_membership: {}
procedure:
  signature: {definitive: true}
  initialling: {}
  withdrawal: {notice: 30 days}
entry_into_force:
  when: {including: {instruments: [signature], parties: [UA, GB, FR]}}
areas:
  scope: {iso: [UA]}
provisions:
  - id: consult
    kind: obligation
    article: Point 5
    bearers: [guarantors]
    trigger: {incidents: [armed_attack], area: scope, window: 7 days}
    fulfilled_by: [consultation]
    deadline: 3 days
    decision_rule: RULE
  - id: assist
    kind: obligation
    after: consult
    bearers: [guarantors]
    fulfilled_by: [assistance]
    deadline: 10 days
    decision_rule: RULE
  - id: neutrality
    kind: prohibition
    bearers: [UA]
    forbids: [alliance_membership]
  - id: summit
    kind: condition
    governs: [meeting]
    requires_acts: [{kind: initialling, by: [UA, RU]}]
"""

BASE_RECORD = """
- {date: 2023-01-10, kind: signature, party: UA, source: t}
- {date: 2023-01-10, kind: signature, party: GB, source: t}
- {date: 2023-01-10, kind: signature, party: FR, source: t}
- {date: 2023-02-01, kind: signature, party: RU, source: t}
"""


@dataclass
class Boxes:
    """area → reading → (lon_min, lon_max, lat_min, lat_max); radius in km ≈ deg * 111."""

    areas: dict[str, dict[str | None, tuple[float, float, float, float]]]

    def readings(self, area: str) -> list[str]:
        return [r for r in self.areas[area] if r is not None]

    def membership(self, area: str, lons: Any, lats: Any, radius_km: Any, *,
                   reading: str | None = None, as_of: date | None = None) -> Any:
        x0, x1, y0, y1 = self.areas[area][reading]
        r = radius_km / 111.0
        inside = (lons - r > x0) & (lons + r < x1) & (lats - r > y0) & (lats + r < y1)
        outside = (lons + r < x0) | (lons - r > x1) | (lats + r < y0) | (lats - r > y1)
        return np.where(inside, 1, np.where(outside, 0, -1)).astype(np.int8)


Events = EventArrays


def events(*rows: tuple[str, str, float, float, float]) -> Events:
    """rows of (id, day, lon, lat, radius_km); all armed attacks on UA."""
    n = len(rows)
    return Events(
        ids=np.array([r[0] for r in rows], dtype=object),
        days=np.array([r[1] for r in rows], dtype="datetime64[D]"),
        kinds=np.array(["armed_attack"] * n, dtype=object),
        actors=np.array(["Government of Russia (Russian Federation)"] * n, dtype=object),
        targets=np.array(["UA"] * n, dtype=object),
        lons=np.array([r[2] for r in rows], dtype=float),
        lats=np.array([r[3] for r in rows], dtype=float),
        radius_km=np.array([r[4] for r in rows], dtype=float),
        hypothetical=np.zeros(n, dtype=bool),
    )


SCOPE = Boxes({"scope": {None: (22.0, 40.0, 44.0, 52.0)}})


def run(tmp_path: Path, acts: str, as_of: str, evs: Events | None, rule: str = "individual",
        scope: Boxes = SCOPE) -> Assessment:
    spec = tmp_path / "treaty.yaml"
    spec.write_text(textwrap.dedent(TREATY).replace("RULE", rule), encoding="utf-8")
    record_file = tmp_path / "record.yaml"
    record_file.write_text(textwrap.dedent(BASE_RECORD) + textwrap.dedent(acts),
                           encoding="utf-8")
    treaty = load_treaty(spec)
    record = load_record(record_file, treaty)
    assert record.rejected == ()
    return assess(treaty, record, date.fromisoformat(as_of), events=evs, scope=scope)


def states(result: Assessment, provision: str) -> dict[str, str]:
    return {o.bearer: o.state for o in result.obligations if o.provision == provision}


ATTACK = events(("e1", "2023-03-01", 36.2, 49.9, 0.0))


def test_covered_attack_obliges_every_bound_guarantor(tmp_path: Path) -> None:
    acts = """
    - {date: 2023-03-02, kind: consultation, parties: [GB, FR], source: t}
    - {date: 2023-03-06, kind: consultation, party: RU, source: t}
    """
    during = run(tmp_path, acts, "2023-03-02", ATTACK)
    assert states(during, "consult") == {"GB": "fulfilled", "FR": "fulfilled", "RU": "pending"}
    [consult] = [o for o in during.obligations if o.bearer == "RU" and o.provision == "consult"]
    assert (consult.due_from, consult.deadline) == (date(2023, 3, 1), date(2023, 3, 4))
    after = run(tmp_path, acts, "2023-03-10", ATTACK)
    assert states(after, "consult") == {"GB": "fulfilled", "FR": "fulfilled", "RU": "violated"}
    late = next(o for o in after.obligations if o.bearer == "RU" and o.provision == "consult")
    assert "came after the deadline" in " ".join(r.statement for r in late.because)


def test_assistance_is_due_when_the_consultation_period_ends(tmp_path: Path) -> None:
    result = run(tmp_path, "", "2023-03-05", ATTACK)
    assist = [o for o in result.obligations if o.provision == "assist"]
    assert {o.bearer for o in assist} == {"GB", "FR", "RU"}
    assert {(o.due_from, o.deadline) for o in assist} == {(date(2023, 3, 4), date(2023, 3, 14))}
    assert {o.state for o in assist} == {"pending"}


def test_outside_and_before_entry_into_force_trigger_nothing(tmp_path: Path) -> None:
    evs = events(("far", "2023-03-01", 60.0, 55.0, 0.0), ("early", "2023-01-05", 36.2, 49.9, 0.0))
    result = run(tmp_path, "", "2023-06-01", evs)
    assert result.obligations == ()
    reasons = {s.reason: s.examples for s in result.set_aside}
    assert reasons == {"outside scope": ("far",),
                       "the treaty was not in force for any bearer on that day": ("early",)}


def test_bearers_are_those_bound_on_the_day(tmp_path: Path) -> None:
    # Russia signs (and is bound) only on 2023-02-01
    result = run(tmp_path, "", "2023-01-20", events(("e", "2023-01-20", 36.2, 49.9, 0.0)))
    assert set(states(result, "consult")) == {"GB", "FR"}


def test_one_wave_is_one_occasion(tmp_path: Path) -> None:
    evs = events(*[(f"e{i}", f"2023-03-0{i}", 36.2, 49.9, 0.0) for i in range(1, 10)])
    result = run(tmp_path, "", "2023-03-20", evs)
    assert [(o.id, o.day, len(o.incidents)) for o in result.occasions] == [
        ("consult#1", date(2023, 3, 1), 7), ("consult#2", date(2023, 3, 8), 2)]
    assert len(states(result, "consult")) == 3
    assert len([o for o in result.obligations if o.provision == "consult"]) == 6


def test_imprecise_location_is_undetermined(tmp_path: Path) -> None:
    # 150 km of uncertainty around a point 50 km inside the border
    evs = events(("vague", "2023-03-01", 39.5, 49.0, 150.0))
    result = run(tmp_path, "", "2023-03-10", evs)
    assert result.obligations == ()
    assert [s.reason.split(" (")[0] for s in result.set_aside] == [
        "location too imprecise to tell whether it is inside scope"]


def test_decision_rules_differ_on_the_same_incident(tmp_path: Path) -> None:
    acts = "- {date: 2023-03-02, kind: objection, party: RU, source: t}\n"
    individual = run(tmp_path, acts, "2023-03-20", ATTACK, rule="individual")
    unanimous = run(tmp_path, acts, "2023-03-20", ATTACK, rule="unanimous")
    assert set(states(individual, "assist").values()) == {"violated"}
    assert set(states(unanimous, "assist").values()) == {"blocked"}
    assert {o.under_other_rule for o in individual.obligations} == {"blocked"}
    assert {o.under_other_rule for o in unanimous.obligations} == {"violated"}


def test_readings_that_disagree_are_flagged(tmp_path: Path) -> None:
    scope = Boxes({"scope": {"ua": (22.0, 40.0, 44.0, 52.0), "ru": (22.0, 37.0, 44.0, 52.0)}})
    evs = events(("west", "2023-03-01", 30.0, 49.0, 0.0), ("east", "2023-04-01", 38.0, 48.0, 0.0))
    result = run(tmp_path, "", "2023-06-01", evs, scope=scope)
    assert result.reading_dependent == ("east",)
    by_day = {o.day: o for o in result.occasions}
    assert by_day[date(2023, 3, 1)].covered_under == ("ua", "ru")
    assert not by_day[date(2023, 3, 1)].depends_on_reading
    assert by_day[date(2023, 4, 1)].covered_under == ("ua",)
    assert by_day[date(2023, 4, 1)].depends_on_reading


def test_withdrawal_discharges(tmp_path: Path) -> None:
    acts = "- {date: 2023-02-20, kind: withdrawal, party: GB, source: t}\n"
    # notice on 02-20, effective 03-22; attack on 03-20: GB still bound, deadline 03-23
    result = run(tmp_path, acts, "2023-04-01", events(("e", "2023-03-20", 36.2, 49.9, 0.0)))
    assert states(result, "consult")["GB"] == "discharged"
    assert states(result, "consult")["FR"] == "violated"


def test_prohibition_violated_only_while_bound(tmp_path: Path) -> None:
    acts = """
    - {date: 2023-01-05, kind: alliance_membership, party: UA, source: t}
    - {date: 2023-05-05, kind: alliance_membership, party: UA, source: t}
    """
    result = run(tmp_path, acts, "2023-06-01", None)
    assert [(v.provision, v.day) for v in result.violations] == [("neutrality", date(2023, 5, 5))]
    assert "forbidden by neutrality while it is bound" in result.violations[0].message


def test_meeting_needs_prior_initialling(tmp_path: Path) -> None:
    acts = """
    - {date: 2023-03-01, kind: initialling, party: UA, source: t}
    - {date: 2023-03-02, kind: meeting, parties: [UA, RU], source: t}
    - {date: 2023-03-03, kind: initialling, party: RU, source: t}
    - {date: 2023-03-04, kind: meeting, parties: [UA, RU], source: t}
    """
    spec = tmp_path / "treaty.yaml"
    spec.write_text(textwrap.dedent(TREATY).replace("RULE", "individual"), encoding="utf-8")
    record_file = tmp_path / "record.yaml"
    record_file.write_text(textwrap.dedent(BASE_RECORD) + textwrap.dedent(acts),
                           encoding="utf-8")
    treaty = load_treaty(spec)
    result = assess(treaty, load_record(record_file, treaty), date(2023, 6, 1))
    assert [(v.provision, v.day) for v in result.violations] == [("summit", date(2023, 3, 2))]
    assert "without the prior initialling by the Russian Federation" in result.violations[0].message


def test_no_events_means_a_note_not_a_silence(tmp_path: Path) -> None:
    result = run(tmp_path, "", "2023-06-01", None)
    assert result.notes == ("consult: no event data given, so no incident was assessed",)


@pytest.mark.parametrize("as_of", ["2023-02-28", "2023-03-01"])
def test_incidents_after_as_of_are_ignored(tmp_path: Path, as_of: str) -> None:
    result = run(tmp_path, "", as_of, ATTACK)
    assert bool(result.obligations) == (as_of == "2023-03-01")
