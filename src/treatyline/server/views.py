"""A treaty as the server shows it: who its parties are, and each clause's own words
beside its logic (the provisions, the procedure, entry into force, the areas, ...), as
the HTML report sets the treaty's text beside what the engine reads. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..evaluation import evaluate
from ..record import Record
from ..spec.model import Clause, Treaty

__all__ = ["clause_views", "treaty_summary", "treaty_view"]

_WORDS = {"article", "text", "note"}


def treaty_summary(treaty: Treaty) -> dict[str, Any]:
    return {"id": treaty.id, "title": treaty.title, "short_title": treaty.short_title,
            "hypothetical": treaty.hypothetical, "legal_form": treaty.legal_form}


def treaty_view(treaty: Treaty) -> dict[str, Any]:
    """The treaty: its summary, parties (with their names as outputs give them) and
    clauses."""
    names = evaluate(treaty, Record(()))
    return treaty_summary(treaty) | {
        "adopted": treaty.adopted.isoformat() if treaty.adopted else None,
        "place": treaty.place, "source": treaty.source, "note": treaty.note,
        "depositary": list(treaty.depositary),
        "parties": [{"code": p.code, "name": names.party_name(p.code), "kind": p.kind,
                     "roles": list(p.roles)} for p in treaty.parties],
        "clauses": list(clause_views(treaty))}


def clause_views(treaty: Treaty) -> Iterator[dict[str, Any]]:
    """Every clause of the treaty in the spec's order: where it stands in the spec
    ("provisions.guarantee", "procedure.ratification", "entry_into_force"), its article,
    text and the encoder's note, and its logic: the rest of its fields as the spec has
    them."""
    for field in type(treaty).model_fields:
        value = getattr(treaty, field)
        if isinstance(value, Clause):
            yield _clause(field, value)
        elif isinstance(value, dict):
            yield from (_clause(f"{field}.{name}", item) for name, item in value.items()
                        if isinstance(item, Clause))
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Clause):
                    name = getattr(item, "id", None) or getattr(item, "code", "")
                    yield _clause(f"{field}.{name}", item)


def _clause(place: str, clause: Clause) -> dict[str, Any]:
    return {"part": place, "article": clause.article, "text": clause.text,
            "note": clause.note,
            "logic": clause.model_dump(mode="json", by_alias=True, exclude_none=True,
                                       exclude=_WORDS)}
