"""Cross-reference checks for who can be a party: regional economic integration
organisations and their member states."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Diagnostic, did_you_mean
from ..sourcemap import SourceMap
from ..states import is_state, suggest_state
from .model import Treaty

__all__ = ["check_regional_organisations"]


def check_regional_organisations(
    treaty: Treaty, source: SourceMap, codes: dict[str, int], groups: set[str]
) -> Iterator[Diagnostic]:
    """Each regional organisation is a declared organisation party; each member is a
    declared party, a group, or (in a treaty open to all states) any state code."""
    for name, organisation in treaty.regional_organisations.items():
        at = source.at(("regional_organisations", name), key=True)
        party = treaty.party(name)
        if party is None:
            yield Diagnostic(f"unknown party {name!r} as a regional organisation (declare it "
                             "among the parties, kind: organisation)", at,
                             did_you_mean(name, codes))
            continue
        if party.kind != "organisation":
            yield Diagnostic(f"{name!r} is declared as a {party.kind}; a regional economic "
                             "integration organisation is declared with kind: organisation",
                             source.at(("parties", codes[name], "kind")
                                       if "kind" in party.model_fields_set
                                       else ("parties", codes[name], "code")))
        for i, member in enumerate(organisation.members):
            where = source.at(("regional_organisations", name, "members", i))
            if member == name:
                yield Diagnostic(f"{name!r} cannot be its own member state", where)
            elif not (member in codes or member in groups
                      or (treaty.open_to == "all_states" and is_state(member))):
                yield Diagnostic(f"unknown member state {member!r} (declare it among the "
                                 "parties or groups, or open the treaty to all states)",
                                 where, did_you_mean(member, [*codes, *groups])
                                 or suggest_state(member))
