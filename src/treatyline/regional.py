"""Regional economic integration organisations in counts of instruments: 'the instrument
deposited by a regional economic integration organization shall not be counted as additional
to those deposited by its member States' (Paris Art. 21(4), Kyoto Art. 25(3))."""

from __future__ import annotations

from collections.abc import Callable

from .spec.model import Treaty

__all__ = ["not_additional"]


def not_additional(
    treaty: Treaty, parties: frozenset[str] | set[str],
    members: Callable[[str], frozenset[str]], is_group: Callable[[str], bool],
) -> frozenset[str]:
    """The organisations among `parties` whose instrument a count leaves out: those the
    treaty declares under the clause, one or more of whose member states are among `parties`
    too (their instrument would be counted as additional to those of its members)."""
    found: set[str] = set()
    for code, organisation in treaty.regional_organisations.items():
        if organisation.counted_as_additional or code not in parties:
            continue
        for member in organisation.members:
            states = members(member) if is_group(member) else {member}
            if states & parties:
                found.add(code)
                break
    return frozenset(found)
