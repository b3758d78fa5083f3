"""A ledger big enough for verification to check its signatures in worker processes:
thousands of signed statements written straight to the store as the depositary writes
accepted instruments (leaves, columns, nodes, a signed checkpoint after each chunk),
without examining each against the record (which would take minutes). Some signatures can
be forged: made over another message, so that only the signature check can tell."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from test_ledger_depositary import DEPOSITARY_KEY, NATO, NATO_SHA, PARTY_KEYS, START, noon
from treatyline.ledger.canonical import canonical_json, parse_json
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.entries import instrument_statement, leaf_bytes
from treatyline.ledger.examination import instrument_document
from treatyline.ledger.merkle import leaf_hash, nodes_for_append
from treatyline.ledger.store import AppendBatch, LedgerReader, LedgerStore, NewEntry, Node

__all__ = ["FIRST_STATEMENT", "large_ledger", "statement_entry"]

FIRST_STATEMENT = 1 + len(PARTY_KEYS)
"""The index of the first statement: after the genesis and the keys' registrations."""


def statement_entry(index: int, *, forged: bool = False) -> NewEntry:
    """The statement that is entry `index`, signed by its party's key (over another
    message when `forged`)."""
    parties = sorted(PARTY_KEYS)
    party = parties[index % len(parties)]
    key = PARTY_KEYS[party]
    day = START.date() + timedelta(days=365 + index // 10)
    act = {"date": day.isoformat(), "kind": "statement", "party": party,
           "text": f"statement of entry {index}", "source": "ledger_large"}
    message = instrument_statement(instrument_document(NATO.treaty.id, act, key.key_id, b""))
    signature = key.sign(message + b" (not this)" if forged else message)
    document = parse_json(canonical_json(
        instrument_document(NATO.treaty.id, act, key.key_id, signature)))
    return NewEntry(payload=leaf_bytes(document, noon(day)), received=noon(day),
                    kind="instrument", party=party)


def large_ledger(store: LedgerStore, size: int, forged: Collection[int] = (),
                 chunk: int = 1000) -> Depositary:
    """A ledger of `size` entries (statements after the registrations); the entries in
    `forged` carry a forged signature."""
    depositary = Depositary.create(store, NATO.treaty, NATO_SHA, DEPOSITARY_KEY, START)
    for key in PARTY_KEYS.values():
        depositary.register_key(key.public(), START.date(), "full powers (test)", START,
                                DEPOSITARY_KEY)

    def build(log_size: int, reader: LedgerReader) -> AppendBatch:
        stop = min(log_size + chunk, size)
        entries = [statement_entry(index, forged=index in forged).at(index)
                   for index in range(log_size, stop)]
        created = nodes_for_append(log_size, [leaf_hash(e.payload) for e in entries], reader)
        return AppendBatch(entries, [Node(*node) for node in created])

    while store.size() < size:
        store.append(build)
        depositary.checkpoint(DEPOSITARY_KEY)
    return depositary
