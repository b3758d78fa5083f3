"""The field's vocabulary: the act kinds every treaty file may use."""

from __future__ import annotations

__all__ = [
    "COMPUTED_GROUPS",
    "CONSENT",
    "CONSENT_KINDS",
    "FACT_KIND",
    "INCIDENT_KINDS",
    "INSTRUMENT_KINDS",
    "MONITORING_KINDS",
    "NEGOTIATION_KINDS",
    "REVOCATION_KINDS",
    "REVOCATION_OF_CONSENT",
    "REVOCATION_OF_WITHDRAWAL",
    "SUCCESSION",
    "WITHDRAWAL_KINDS",
]

CONSENT = "consent"
"""Pseudo-kind in rules: any instrument that expresses consent to be bound."""

CONSENT_KINDS = frozenset({"ratification", "acceptance", "approval", "accession"})
"""Instruments of consent to be bound (a definitive signature counts too)."""

WITHDRAWAL_KINDS = frozenset({"denunciation", "withdrawal"})

SUCCESSION = "succession"
"""A state's notification that it succeeds a former state (or continues its participation):
its standing is computed from the predecessor's acts."""
REVOCATION_OF_WITHDRAWAL = "revocation_of_withdrawal"
"""A notice of withdrawal or denunciation revoked before it takes effect (VCLT Art. 68)."""
REVOCATION_OF_CONSENT = "revocation_of_consent"
"""An instrument of consent revoked before the treaty binds the party (the Russian
Federation's ratification of the CTBT, 2023): it is again what it was before."""
REVOCATION_KINDS = frozenset({REVOCATION_OF_WITHDRAWAL, REVOCATION_OF_CONSENT})
"""Allowed in a record whenever the procedure has what they revoke; a treaty file may
declare them in its procedure only to give their article and text (see treatyline.lives)."""

INSTRUMENT_KINDS = frozenset(
    {
        "signature",
        "initialling",
        *CONSENT_KINDS,
        "referendum",
        "provisional_application",
        *WITHDRAWAL_KINDS,
        *REVOCATION_KINDS,
        "reservation",
        "declaration",
        "depositary_notification",
        "termination",
        SUCCESSION,
    }
)
"""Acts of the treaty procedure; a treaty file declares which of them it uses."""

NEGOTIATION_KINDS = frozenset({"talks_round", "proposal", "statement", "meeting"})
"""Acts of the negotiation, always allowed: they shape the timeline, not the status."""

MONITORING_KINDS = frozenset({"consultation", "assistance", "objection"})
"""Acts that fulfil obligations, or (objection) block one under a unanimity rule."""

FACT_KIND = "fact"
"""A recorded fact that a condition or a precondition names."""

COMPUTED_GROUPS = frozenset({"parties", "signatories", "consenting", "bound", "states"})
"""Groups computed from the record at the date in question."""

INCIDENT_KINDS = frozenset(
    {
        "armed_attack",
        "shelling",
        "airstrike",
        "missile_strike",
        "drone_strike",
        "ground_assault",
        "clash",
        "violence_against_civilians",
        "explosion",
        "protest_violence",
        "other",
    }
)
"""Kinds of incident a trigger may name (the event readers map each source's categories
to these; see treatyline.incidents)."""
