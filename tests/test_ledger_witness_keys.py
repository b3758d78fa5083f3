"""Witness keys registered in the ledger, on SQLite and PostgreSQL: a key registration
with `"use": "witness"`; such a key signs no instrument; `verify` (and a bundle's
verification, alike) checks each cosignature against the witness keys, counts one made
outside the key's validity as unverifiable, and errs on a forged one or on a party key's
once its party has a witness key. A ledger from before witness keys verifies as it did."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from ledger_jobs import verify_jobs  # noqa: F401 (every test with jobs=1 and jobs=2)
from ledger_sample import build_sample
from test_ledger_depositary import DEPOSITARY_KEY, NATO, NATO_SHA, signed
from treatyline.ledger import examination
from treatyline.ledger.bundle_file import export_bundle, verify_bundle
from treatyline.ledger.cosignature import Cosigner
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.entries import EntryError, LeafEntry, b64, read_leaf, utc_text
from treatyline.ledger.keys import WITNESS_USE, PartyKey, PublicPartyKey, generate_party_key
from treatyline.ledger.notes import parse_note
from treatyline.ledger.state import LogKeys
from treatyline.ledger.store import LedgerStore, init_store
from treatyline.ledger.verify import LedgerVerifyError, Verified, verify_store

START = datetime(2026, 1, 2, 9, tzinfo=UTC)
"""After the epoch: a cosignature's time is seconds since 1970."""
FIRST_DAY = START.date()
US = generate_party_key("US", "us.mfa/witnessed")
GB = generate_party_key("GB", "gb.mfa/witnessed")
US_WITNESS = generate_party_key("US", "us.mfa/witness", WITNESS_USE)
GB_WITNESS = generate_party_key("GB", "gb.mfa/witness", WITNESS_USE)


def at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@dataclass(frozen=True)
class Witnessed:
    depositary: Depositary
    tmp_path: Path

    @property
    def store(self) -> LedgerStore:
        return self.depositary.store

    def register(self, key: PublicPartyKey, valid_from: date = FIRST_DAY) -> int:
        receipt = self.depositary.register_key(key, valid_from, "powers (test)", START,
                                               DEPOSITARY_KEY)
        assert receipt.accepted, receipt.reasons
        return receipt.index

    @property
    def bundle(self) -> Path:
        return self.tmp_path / "witnessed.tlbundle"

    def cosign(self, key: PartyKey, when: datetime, *, forged: bool = False,
               breaking: bool = False) -> int:
        """The latest checkpoint cosigned by `key` at `when` (forged: over another text,
        so that the line does not verify); the checkpoint's size. `breaking`: the ledger
        will not verify with it, so cannot be exported: the bundle is exported before, and
        the cosignature added to it as `export_bundle` would write it."""
        latest = self.store.latest_checkpoint()
        assert latest is not None
        if breaking:
            export_bundle(self.store, self.bundle)
        text = parse_note(latest.note).text
        if forged:
            text = text.replace("treatyline", "treatyline-other")
        line = Cosigner(key.name, key.private_key).cosign(text, int(when.timestamp())).line()
        self.store.add_cosignature(latest.size, key.name, line, when)
        if breaking:  # the latest checkpoint is the bundle's last: the line goes with it
            with self.bundle.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"cosignature": {
                    "witness": key.name, "line": line, "received": utc_text(when)}}) + "\n")
        return latest.size

    def deposit(self, key: PartyKey, party: str, day: date) -> tuple[bool, tuple[str, ...]]:
        act = {"date": day.isoformat(), "kind": "statement", "party": party,
               "text": f"a statement of {party}", "source": "test"}
        receipt = self.depositary.deposit(signed(key, act), at(day), DEPOSITARY_KEY)
        return receipt.accepted, receipt.reasons

    def grow(self, day: date) -> None:
        """A new entry and checkpoint (a witness cosigns a checkpoint once)."""
        accepted, reasons = self.deposit(US, "US", day)
        assert accepted, reasons

    def verified(self) -> Verified:
        """`verify_store`, checked to give what the ledger's bundle gives."""
        found = verify_store(self.store)
        export_bundle(self.store, self.bundle)
        assert verify_bundle(self.bundle, NATO.treaty) == found
        return found

    def fails(self, *words: str) -> LedgerVerifyError:
        """The error `verify_store` raises, checked to be the bundle's (but for its line),
        the bundle exported before the `breaking` cosignature and holding it."""
        with pytest.raises(LedgerVerifyError) as caught:
            verify_store(self.store)
        with pytest.raises(LedgerVerifyError) as from_bundle:
            verify_bundle(self.bundle, NATO.treaty)
        message = str(caught.value)
        assert from_bundle.value.checkpoint_size == caught.value.checkpoint_size
        assert str(from_bundle.value).endswith(message.removeprefix("error: ")), (
            str(from_bundle.value), message)
        assert from_bundle.value.line is not None
        for word in words:
            assert word in message
        return caught.value


@pytest.fixture
def witnessed(ledger_db: str, tmp_path: Path) -> Iterator[Witnessed]:
    """The NATO ledger with the US's and GB's party keys registered, and nothing else."""
    with closing(init_store(ledger_db)) as store:
        made = Witnessed(Depositary.create(store, NATO.treaty, NATO_SHA, DEPOSITARY_KEY,
                                           START), tmp_path)
        made.register(US.public())
        made.register(GB.public())
        yield made


def _registration(store: LedgerStore, index: int) -> dict[str, Any]:
    (entry,) = store.entries(index, index + 1)
    return read_leaf(entry.payload, index).document


def test_a_registered_witness_key_s_cosignatures_verify(witnessed: Witnessed) -> None:
    us_entry = witnessed.register(US_WITNESS.public())
    gb_entry = witnessed.register(GB_WITNESS.public())
    assert _registration(witnessed.store, us_entry)["use"] == "witness"
    assert "use" not in _registration(witnessed.store, 1)  # a party key's, as before
    assert witnessed.depositary.state.keys[US_WITNESS.key_id].is_witness_key
    witnessed.cosign(US_WITNESS, at(date(2026, 1, 3)))
    witnessed.cosign(GB_WITNESS, at(date(2026, 1, 3)))
    # a witness the log does not know: counted apart, as before
    witnessed.cosign(generate_party_key("NO", "no.mfa/witness", WITNESS_USE),
                     at(date(2026, 1, 3)))
    found = witnessed.verified()
    assert (found.cosignatures, found.cosignatures_unverifiable) == (2, 1)
    assert found.key_registrations == 4 and gb_entry == us_entry + 1


def test_a_forged_cosignature_of_a_registered_witness_is_an_error_naming_it(
        witnessed: Witnessed) -> None:
    entry = witnessed.register(GB_WITNESS.public())
    size = witnessed.cosign(GB_WITNESS, at(date(2026, 1, 3)), forged=True,
                            breaking=True)
    error = witnessed.fails(f"checkpoint of size {size}", f"cosignature of {GB_WITNESS.name}",
                            "does not verify", f"(entry {entry})")
    assert error.checkpoint_size == size


def test_an_instrument_signed_with_a_witness_key_is_rejected_with_its_reason(
        witnessed: Witnessed) -> None:
    entry = witnessed.register(GB_WITNESS.public())
    accepted, reasons = witnessed.deposit(GB_WITNESS, "GB", date(2026, 1, 5))
    assert not accepted
    assert any(f"registered as a witness key of GB (entry {entry})" in reason
               for reason in reasons), reasons
    accepted, reasons = witnessed.deposit(GB, "GB", date(2026, 1, 5))  # its party key may
    assert accepted, reasons
    assert witnessed.verified().rejected == 1


def test_a_party_key_registered_as_a_witness_key_signs_no_instrument(
        witnessed: Witnessed) -> None:
    party_key = generate_party_key("FR", "fr.mfa/one-key")
    as_witness = PublicPartyKey("FR", party_key.name, party_key.public().public_key,
                                WITNESS_USE)
    witnessed.register(as_witness)
    accepted, reasons = witnessed.deposit(party_key, "FR", date(2026, 1, 5))
    assert not accepted and any("witness key" in reason for reason in reasons), reasons
    # the same public key cannot then be registered again as the party's own
    again = witnessed.depositary.register_key(party_key.public(), START.date(), "again",
                                              START, DEPOSITARY_KEY)
    assert not again.accepted and "registered already" in again.reasons[0]
    assert not witnessed.depositary.state.keys_valid_on("FR", date(2026, 1, 5))


def test_a_revoked_witness_key_s_later_cosignatures_are_unverifiable(
        witnessed: Witnessed) -> None:
    witnessed.register(GB_WITNESS.public(), date(2026, 1, 3))
    witnessed.cosign(GB_WITNESS, at(date(2026, 1, 2)))  # before the key was valid
    witnessed.grow(date(2026, 1, 20))
    witnessed.cosign(GB_WITNESS, at(date(2026, 2, 1)))  # while it is
    revoked = witnessed.depositary.revoke_key(GB_WITNESS.key_id, date(2026, 3, 1),
                                              "replaced (test)", at(date(2026, 3, 1)),
                                              DEPOSITARY_KEY)
    assert revoked.accepted, revoked.reasons
    assert witnessed.depositary.state.keys[GB_WITNESS.key_id].revoked_at == revoked.index
    witnessed.cosign(GB_WITNESS, at(date(2026, 3, 1)))  # from its revocation on
    found = witnessed.verified()
    assert (found.cosignatures, found.cosignatures_unverifiable) == (1, 2)
    assert found.key_revocations == 1
    # a forged one by the revoked key is still an error: its signature is checked first
    witnessed.grow(date(2026, 3, 2))
    witnessed.cosign(GB_WITNESS, at(date(2026, 3, 2)), forged=True, breaking=True)
    witnessed.fails(f"cosignature of {GB_WITNESS.name}", "does not verify")


def test_a_party_key_cosigns_until_its_party_has_a_witness_key(witnessed: Witnessed) -> None:
    witnessed.cosign(US, at(date(2026, 1, 3)))  # no witness key for the US: as before
    witnessed.cosign(GB, at(date(2026, 1, 3)))
    witness_entry = witnessed.register(GB_WITNESS.public(), date(2026, 2, 1))
    witnessed.cosign(GB, at(date(2026, 1, 31)))  # the day before GB's witness key is valid
    assert witnessed.verified().cosignatures == 3
    witnessed.grow(date(2026, 2, 1))
    size = witnessed.cosign(GB, at(date(2026, 2, 1)), breaking=True)
    error = witnessed.fails(f"checkpoint of size {size}", f"cosignature of {GB.name}",
                            "a party key of GB", f"{GB_WITNESS.name} (entry {witness_entry})")
    assert error.checkpoint_size == size


def test_a_ledger_from_before_witness_keys_verifies_as_before(ledger_db: str) -> None:
    # the sample registers party keys only, and the US cosigns with its party key
    with closing(init_store(ledger_db)) as store:
        build_sample(store)
        registrations = [read_leaf(entry.payload, entry.index).document
                         for entry in store.entries(0, store.size())
                         if entry.kind == "key_registration"]
        assert registrations and all("use" not in doc for doc in registrations)
        found = verify_store(store)
    assert (found.cosignatures, found.cosignatures_unverifiable) == (1, 1)


def test_a_registration_of_an_unknown_use_is_refused_naming_its_entry() -> None:
    keys = LogKeys()
    genesis = {"type": "genesis", "treaty": "t", "origin": "o", "treaty_sha256": "0",
               "depositary_name": DEPOSITARY_KEY.name,
               "depositary_key": b64(DEPOSITARY_KEY.public().public_key)}
    keys.apply(LeafEntry(genesis, "genesis", START), 0)
    registration = {"type": "key_registration", "party": "GB", "name": GB.name,
                    "public_key": b64(GB.public().public_key), "valid_from": "2026-01-02",
                    "full_powers": "x", "use": "notary"}
    with pytest.raises(EntryError, match="entry 1: a key registration's use is 'witness' "
                       "or absent, not 'notary'"):
        keys.apply(LeafEntry(registration, "key_registration", START), 1)


def test_verify_refuses_an_instrument_a_careless_depositary_accepted_from_a_witness_key(
        witnessed: Witnessed, monkeypatch: pytest.MonkeyPatch) -> None:
    witnessed.register(GB_WITNESS.public())
    with monkeypatch.context() as careless:  # a depositary that does not examine the key
        careless.setattr(examination, "_form", lambda *args: [])
        accepted, reasons = witnessed.deposit(GB_WITNESS, "GB", date(2026, 1, 5))
    assert accepted, reasons
    index = witnessed.store.size() - 1
    with pytest.raises(LedgerVerifyError) as caught:
        verify_store(witnessed.store)
    assert caught.value.index == index
    assert f"entry {index}: signed with the key {GB_WITNESS.name}" in str(caught.value)
    assert "registered as a witness key" in str(caught.value)
