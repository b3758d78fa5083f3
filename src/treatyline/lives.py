"""A party's life under a treaty as a sequence of periods.

A party may consent, be bound, give notice, withdraw, and later consent again (the United
States and the Paris Agreement); it may revoke a notice of withdrawal before it takes
effect (the Gambia and South Africa, Rome Statute, 2017), or revoke its instrument of
consent before it binds it (the Russian Federation's ratification of the CTBT, 2023). Each
instrument of consent opens a `Life`; the acts that close or change one are checked here,
and every refusal names the earlier act it conflicts with and its place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .record import Act

__all__ = ["Life", "place_of"]


@dataclass
class Life:
    """One instrument of consent and what became of it."""

    consent: Act | None = None
    bound_since: date | None = None
    """Settled at the end of the pass (None: the instrument never bound the party)."""
    notice: Act | None = None
    """The notice of withdrawal or denunciation that stands (not revoked)."""
    withdrawn_since: date | None = None
    consent_revoked: Act | None = None
    further: list[Act] = field(default_factory=list)
    """Instruments of consent deposited while `consent` awaited entry into force: they count
    for their kinds, and are revoked with it."""
    revoked_notices: list[tuple[Act, Act, date]] = field(default_factory=list)
    """(notice, revocation, the day it would have taken effect): notices revoked in time."""

    def starts_on_or_before(self, day: date) -> bool:
        return self.consent is not None and self.consent.day <= day

    def consent_on(self, day: date) -> Act | None:
        """The instrument of consent that stands on `day` (deposited, not yet revoked)."""
        if self.consent is None or self.consent.day > day:
            return None
        if self.consent_revoked is not None and self.consent_revoked.day <= day:
            return None
        return self.consent

    def notice_on(self, day: date) -> Act | None:
        """The notice given on or before `day` and not revoked by then."""
        if self.notice is not None and self.notice.day <= day:
            return self.notice
        for notice, revocation, _ in self.revoked_notices:
            if notice.day <= day < revocation.day:
                return notice
        return None

    def period_on(self, day: date) -> tuple[date, date | None] | None:
        """(since, until) of this life's bound period as known on `day`: `until` is the day
        the withdrawal took effect, if it did by `day`; None when not bound by `day`."""
        if self.bound_since is None or self.bound_since > day:
            return None
        until = self.withdrawn_since
        return (self.bound_since, until if until is not None and until <= day else None)

    def bound_on(self, day: date) -> bool:
        return (self.bound_since is not None and self.bound_since <= day
                and (self.withdrawn_since is None or self.withdrawn_since > day))


def place_of(act: Act) -> str:
    """How a message names an earlier act: by its id when it has one (which does not
    change when the files are reordered), else by the place it was read from."""
    if act.id:
        return f"act {act.id}"
    if act.position is not None:
        return str(act.position)
    return act.label or "the record"


def _named_if_earlier(earlier: Act, act: Act) -> str:
    """' (place)' of an earlier act, when it came on an earlier day: acts of one day are
    simultaneous, and which of them the files list first must not change a message."""
    return f" ({place_of(earlier)})" if earlier.day < act.day else ""


def _kind(act: Act) -> str:
    return "definitive signature" if act.kind == "signature" else act.kind.replace("_", " ")


def new_consent_conflict(life: Life, act: Act, name: str, bound_since: date | None) -> str | None:
    """Why a new instrument of consent cannot count while `life` (the party's latest) stands:
    the party is bound by it, or has given notice; None when it can: the life has no
    instrument yet, its instrument was revoked or does not yet bind, or its withdrawal has
    taken effect (the party rejoins). `bound_since`: when the life's instrument binds the
    party, if known."""
    earlier = life.consent
    if earlier is None or life.consent_revoked is not None:
        return None
    head = f"{act.kind} by {name} on {act.day} does not count"
    notice, withdrawn = life.notice, life.withdrawn_since
    if notice is not None and withdrawn is not None:
        if withdrawn <= act.day:
            return None
        return (f"{head}: {name} gave notice of {notice.kind} on {notice.day} "
                f"({place_of(notice)}), which takes effect on {withdrawn}; until then it is "
                f"still bound by its {_kind(earlier)} of {earlier.day} ({place_of(earlier)}), "
                "and a new instrument counts only once the withdrawal has taken effect")
    if bound_since is None or bound_since > act.day:
        # a further instrument before the first binds the party: it counts for its kind
        # (one more instrument never delays entry into force) and the life keeps the first
        return None
    where = _named_if_earlier(earlier, act)
    return (f"{head}: {name} already deposited its {_kind(earlier)} on {earlier.day}"
            f"{where} and is bound by it since {bound_since}; a new instrument counts only "
            "after a withdrawal has taken effect")



def begins_new_life(life: Life, act: Act) -> bool:
    """Whether an instrument of consent that counts begins a new life: the latest life's
    instrument was revoked, or its withdrawal has taken effect."""
    if life.consent is None:
        return False
    if life.consent_revoked is not None:
        return True
    return life.withdrawn_since is not None and life.withdrawn_since <= act.day


def revoke_notice(life: Life, act: Act, name: str, clause: str) -> str | None:
    """Revoke the party's pending notice of withdrawal; why not, when it cannot be."""
    head = f"{act.kind.replace('_', ' ')} by {name} on {act.day} does not count"
    notice, withdrawn = life.notice, life.withdrawn_since
    if notice is None or withdrawn is None or notice.day > act.day:
        if life.revoked_notices:
            earlier, revocation, _ = life.revoked_notices[-1]
            return (f"{head}: {name}'s notice of {earlier.kind} of {earlier.day} "
                    f"({place_of(earlier)}) was already revoked on {revocation.day}"
                    f"{_named_if_earlier(revocation, act)}, and no notice is pending")
        return f"{head}: {name} has given no notice of withdrawal or denunciation to revoke"
    if withdrawn <= act.day:
        return (f"{head}: {name}'s notice of {notice.kind} of {notice.day} "
                f"({place_of(notice)}) took effect on {withdrawn}{clause}; a notice can be "
                "revoked only before it takes effect")
    life.revoked_notices.append((notice, act, withdrawn))
    life.notice, life.withdrawn_since = None, None
    return None


def revoke_consent(life: Life, act: Act, name: str, bound_since: date | None) -> str | None:
    """Revoke the party's standing instrument of consent, which must not yet bind it; why
    not, when it cannot be. `bound_since`: when that instrument binds the party, if known."""
    head = f"{act.kind.replace('_', ' ')} by {name} on {act.day} does not count"
    earlier = life.consent
    if earlier is None or earlier.day > act.day:
        return f"{head}: {name} has deposited no instrument of consent to revoke"
    if life.consent_revoked is not None:
        return (f"{head}: {name}'s {_kind(earlier)} of {earlier.day} ({place_of(earlier)}) "
                f"was already revoked on {life.consent_revoked.day}"
                f"{_named_if_earlier(life.consent_revoked, act)}")
    if life.withdrawn_since is not None and life.withdrawn_since <= act.day:
        return (f"{head}: {name} is no longer bound: its withdrawal took effect on "
                f"{life.withdrawn_since}")
    if bound_since is not None and bound_since <= act.day:
        return (f"{head}: the treaty is in force for {name} since {bound_since} by its "
                f"{_kind(earlier)} of {earlier.day} ({place_of(earlier)}); a party that is "
                "bound leaves by withdrawal or denunciation, not by revoking its consent")
    life.consent_revoked = act
    return None
