"""The ledger's command line, run in-process: keys, a ledger made and kept, deposits
accepted and rejected, verification, export, witnesses, status read from the ledger, and
every bad input refused with its place and no traceback. Also the Istanbul replay."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cli_inprocess import EXAMPLES, run_cli, run_cli_output
from treatyline.bundle import load_bundle
from treatyline.status import status

ISTANBUL = EXAMPLES / "istanbul-2022"
SIGNATURE = "- {date: 2022-09-15, kind: signature, party: UA, place: Istanbul, source: test}\n"
FACT = "- {date: 2022-07-15, kind: fact, fact: russian_pullback_2022_02_23, source: test}\n"
RATIFICATION = ("acts:\n  - date: 2022-11-24\n    kind: ratification\n    party: UA\n"
                "    organ: Verkhovna Rada\n    source: test\n")


class Ledger:
    """Key files and a ledger made with the commands, in a folder."""

    def __init__(self, capsys: pytest.CaptureFixture[str], folder: Path, db: str) -> None:
        self.capsys, self.folder, self.db = capsys, folder, db

    def run(self, *args: str | Path) -> tuple[int, str, str]:
        code, out, err = run_cli_output(self.capsys, *args)
        assert "Traceback" not in err and "internal error" not in err, err
        return code, out, err

    def ok(self, *args: str | Path) -> str:
        code, out, err = self.run(*args)
        assert code == 0, err
        return out

    def path(self, name: str) -> Path:
        return self.folder / name

    def write(self, name: str, text: str) -> Path:
        self.path(name).write_text(text, encoding="utf-8")
        return self.path(name)

    def deposit(self, act_file: Path, key: str = "ua.key", *more: str) -> tuple[int, str, str]:
        return self.run("deposit", "--ledger", self.db, "--key", self.path(key),
                        "--depositary-key", self.path("dep.key"), act_file, *more)


def made(capsys: pytest.CaptureFixture[str], folder: Path, db: str,
         spec: Path = ISTANBUL, parties: tuple[str, ...] = ("UA",)) -> Ledger:
    """A ledger for `spec` with the keys of the depositary and of `parties` registered."""
    folder.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(capsys, folder, db)
    ledger.ok("keys", "new", "--party", "depositary", "-o", ledger.path("dep.key"))
    ledger.ok("ledger", "init", spec, "--db", db, "--key", ledger.path("dep.key"))
    for party in parties:
        key = ledger.path(f"{party.lower()}.key")
        if not key.exists():
            ledger.ok("keys", "new", "--party", party, "--name", f"{party}/test", "-o", key)
        ledger.ok("ledger", "register-key", key, "--db", db, "--key", ledger.path("dep.key"),
                  "--valid-from", "2022-01-01", "--full-powers", "full powers (test)")
    return ledger


def received_day(ledger: Ledger, index: int) -> date:
    entries = json.loads(ledger.ok("ledger", "log", "--db", ledger.db, "--json"))["entries"]
    return date.fromisoformat(entries[index]["received"][:10])


def test_keys_deposits_verification_export_and_status_from_the_ledger(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = made(capsys, tmp_path / "keys", ledger_db)
    public = ledger.ok("keys", "public", ledger.path("ua.key"))
    assert "BEGIN PUBLIC KEY" in public and "verifier key: UA/test+" in public

    signature = ledger.write("signature.yaml", SIGNATURE)
    out = ledger.ok("deposit", "--ledger", ledger_db, "--key", ledger.path("ua.key"),
                    "--depositary-key", ledger.path("dep.key"), signature)
    assert "entry 2: instrument from" in out and ": accepted" in out
    assert "Signature by Ukraine, dated 2022-09-15" in out
    assert "inclusion proof of leaf" in out and "treatyline/istanbul-2022\n3\n" in out
    # the same instrument again: logged as rejected, with the reason, and exit 1
    code, out, _ = ledger.deposit(signature)
    assert code == 1 and "REJECTED" in out and "replayed: the same instrument" in out

    # a fact, of no single party: the depositary records it under its own key
    code, out, _ = ledger.deposit(ledger.write("fact.yaml", FACT), "dep.key", "--json")
    receipt = json.loads(out)
    assert code == 0 and receipt["accepted"] and receipt["index"] == 4
    assert receipt["tree_size"] == 5 and receipt["notification"]["kind"] == "fact"
    # the procedure's own check: no ratification before Ukraine's referendum
    code, out, _ = ledger.deposit(ledger.write("ratification.yaml", RATIFICATION))
    assert code == 1 and "the referendum in Ukraine has not been held" in out

    figures = json.loads(ledger.ok("ledger", "verify", ledger_db, "--json", "--spec",
                                   ISTANBUL))
    assert (figures["size"], figures["instruments_accepted"], figures["rejected"]) == (6, 2, 2)
    bundle, record = ledger.path("ledger.tlbundle"), ledger.path("record.jsonl")
    assert "6 entries" in ledger.ok("ledger", "export", "--db", ledger_db, "--bundle", bundle)
    assert "2 accepted acts" in ledger.ok("ledger", "export", "--db", ledger_db,
                                          "--record", record)
    assert "instruments accepted: 2" in ledger.ok("ledger", "verify", bundle)

    # the two times: nothing was known the day before the deposits, both acts since
    day = received_day(ledger, 2)
    asked = ("status", ISTANBUL, "--ledger", ledger_db, "--as-of", "2022-12-01", "--json")
    before = json.loads(ledger.ok(*asked, "--known-on", str(day - timedelta(days=1))))
    after = json.loads(ledger.ok(*asked, "--known-on", str(received_day(ledger, 4))))
    assert before["parties"]["UA"]["standing"] == "none"
    assert after["parties"]["UA"]["signed_on"] == "2022-09-15"
    exported = json.loads(ledger.ok("status", ISTANBUL, "-r", record, "--as-of",
                                    "2022-12-01", "--json"))
    assert exported["parties"] == after["parties"]
    timeline = json.loads(ledger.ok("timeline", ISTANBUL, "--ledger", ledger_db, "--json"))
    assert [(e["what"], e["act"]) for e in timeline["entries"]] == [
        ("fact", "ledger entry 4"), ("signature", "ledger entry 2")]


def test_a_revoked_key_can_no_longer_deposit(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ledger = made(capsys, tmp_path, str(tmp_path / "l.db"))
    key_id = json.loads(ledger.ok("ledger", "log", "--db", ledger.db, "--json"))
    assert key_id["entries"][1]["kind"] == "key_registration"
    keys = ledger.ok("keys", "public", ledger.path("ua.key"))
    hex_id = keys.split("verifier key: UA/test+")[1][:8]
    out = ledger.ok("ledger", "revoke-key", "--db", ledger.db, "--key", ledger.path("dep.key"),
                    "--party", "UA", "--key-id", hex_id, "--from", "2022-06-01",
                    "--reason", "the minister was replaced")
    assert "entry 2: key UA/test of UA revoked from 2022-06-01: accepted" in out
    code, out, _ = ledger.deposit(ledger.write("signature.yaml", SIGNATURE))
    assert code == 1 and "revoked from 2022-06-01" in out
    code, err = run_cli(capsys, "ledger", "revoke-key", "--db", ledger.db, "--key",
                        ledger.path("dep.key"), "--party", "RU", "--key-id", hex_id,
                        "--from", "2022-06-01", "--reason", "x")
    assert code == 1 and f"--key-id: RU has no key {hex_id}" in err


def test_sign_only_then_the_depositary_receives_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = made(capsys, tmp_path, str(tmp_path / "l.db"))
    instrument = ledger.path("signature.json")
    out = ledger.ok("deposit", "--sign-only", "--key", ledger.path("ua.key"), "--spec",
                    ISTANBUL, "-o", instrument, ledger.write("signature.yaml", SIGNATURE))
    assert f"wrote {instrument}" in out
    assert json.loads(instrument.read_text())["act"]["party"] == "UA"
    monkeypatch.setenv("TREATYLINE_DEPOSITARY_KEY", str(ledger.path("dep.key")))
    assert ": accepted" in ledger.ok("deposit", "--ledger", ledger.db, instrument)
    # a signed instrument altered after signing: logged, rejected, exit 1
    altered = ledger.path("altered.json")
    altered.write_text(instrument.read_text().replace("Istanbul", "Ankara"))
    code, out, _ = ledger.run("deposit", "--ledger", ledger.db, altered)
    assert code == 1 and "the signature does not verify" in out


def test_witnesses_cosign_and_a_split_view_is_shown_with_its_evidence(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = made(capsys, tmp_path / "a", str(tmp_path / "a.db"), parties=("UA", "GB"))
    state = tmp_path / "gb-witness.json"
    first.ok("keys", "new", "--party", "GB", "--witness", "-o", first.path("gb-witness.key"))
    witness = ("--witness", first.path("gb-witness.key"), "--state", state)
    code, _, err = first.run("ledger", "cosign", "--db", first.db, "--witness",
                             first.path("gb-witness.key"), "--state",
                             tmp_path / "no" / "state.json")
    assert code == 1 and "folder" in err and "does not exist" in err
    # the party's own key signs instruments, never cosignatures
    code, _, err = first.run("ledger", "cosign", "--db", first.db, "--witness",
                             first.path("gb.key"), "--state", state)
    assert code == 1 and f"the key file {first.path('gb.key')} is a party's key" in err
    assert not state.exists()
    out = first.ok("ledger", "cosign", "--db", first.db, *witness)
    assert "cosigned treatyline/istanbul-2022 at size 3 (the first checkpoint" in out
    first.deposit(first.write("signature.yaml", SIGNATURE))
    assert "at size 4 (consistent with size 3)" in first.ok("ledger", "cosign", "--db",
                                                             first.db, *witness)
    assert "cosigned by GB/witness" in first.ok("ledger", "log", "--db", first.db)
    # the ledger registers no witness key: both cosignatures are counted, as unverifiable
    assert "cosignatures unverifiable: 2" in first.ok("ledger", "verify", first.db)
    # the witness key's public file says its use, and registered, both cosignatures verify
    public = first.path("gb-witness.pub")
    first.ok("keys", "public", first.path("gb-witness.key"), "-o", public)
    assert "Key-Use: witness" in public.read_text()
    out = first.ok("ledger", "register-key", public, "--db", first.db, "--key",
                   first.path("dep.key"), "--valid-from", "2022-01-01", "--full-powers",
                   "witness key of GB")
    assert "witness key GB/witness of GB" in out
    verified = first.ok("ledger", "verify", first.db)
    assert "cosignatures: 2\n" in verified and "cosignatures unverifiable: 0" in verified
    # and a witness's key signs no instrument
    code, _, err = first.deposit(first.path("signature.yaml"), "gb-witness.key")
    assert code == 1 and "is a witness's key (Key-Use: witness)" in err

    # a second ledger of the same log (same depositary key, same treaty, another history)
    second = Ledger(capsys, tmp_path / "a", str(tmp_path / "b.db"))
    second.ok("ledger", "init", ISTANBUL, "--db", second.db, "--key", second.path("dep.key"))
    for party in ("ua", "gb"):
        second.ok("ledger", "register-key", second.path(f"{party}.key"), "--db", second.db,
                  "--key", second.path("dep.key"), "--valid-from", "2022-02-01",
                  "--full-powers", "other powers")
    second.deposit(second.write("fact.yaml", FACT), "dep.key")
    kept = state.read_text()
    code, out, err = second.run("ledger", "cosign", "--db", second.db, *witness)
    assert code == 1 and "split view of the log treatyline/istanbul-2022" in err
    assert out.count("--- checkpoint of size 4") == 2 and state.read_text() == kept


def test_bad_inputs_are_named_with_their_place(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    ledger = made(capsys, tmp_path, str(tmp_path / "l.db"))

    def refused(*args: str | Path) -> str:
        code, out, err = ledger.run(*args)
        assert code == 1, (out, err)
        return err

    broken = ledger.write("broken.yaml", "- {date: 2022-09-15, kind: signature, party: UA\n")
    assert "broken.yaml:2:1: error:" in refused(*_deposit(ledger, broken))
    unknown = ledger.write("unknown.yaml", "- {date: 2022-09-15, kind: signature, "
                           "party: UA, source: x, colour: red}\n")
    assert "unknown.yaml:1:" in refused(*_deposit(ledger, unknown))
    russian = ledger.write("russian.yaml", SIGNATURE.replace("UA", "RU"))
    err = refused(*_deposit(ledger, russian))
    assert "russian.yaml:1:3: error: the act is by RU, but the key UA/test is UA's" in err
    recorded = ledger.write("recorded.yaml", RATIFICATION + "    recorded: 2022-12-01\n")
    assert "recorded.yaml:2:5: error: the act has 'recorded'" in refused(
        *_deposit(ledger, recorded))
    two = ledger.write("two.yaml", SIGNATURE + SIGNATURE.replace("UA", "RU"))
    assert "holds exactly one act, this one holds 2" in refused(*_deposit(ledger, two))

    ledger.write("not-a.key", "hello\n")
    assert "not-a.key has no PEM block" in refused(*_deposit(ledger, russian, "not-a.key"))
    assert "this is a key of UA" in refused("ledger", "init", ISTANBUL, "--db",
                                            tmp_path / "new.db", "--key", ledger.path("ua.key"))
    assert "exists already; a key file is never overwritten" in refused(
        "keys", "new", "--party", "UA", "-o", ledger.path("ua.key"))
    missing = tmp_path / "missing.db"
    assert f"there is no ledger at {missing}" in refused(
        "status", ISTANBUL, "--ledger", missing)
    assert not missing.exists()

    nato = made(capsys, tmp_path / "nato", str(tmp_path / "nato.db"),
                spec=EXAMPLES / "nato-1949", parties=())
    assert "this ledger is for the treaty 'nato-1949'" in refused(
        "status", ISTANBUL, "--ledger", nato.db)
    assert "this ledger is for the treaty 'nato-1949'" in refused(
        "deposit", "--ledger", nato.db, "--key", ledger.path("ua.key"), "--depositary-key",
        nato.path("dep.key"), "--spec", ISTANBUL, ledger.write("s.yaml", SIGNATURE))
    assert "--known-on: '2023-13-01' is not a real date" in refused(
        "status", ISTANBUL, "--ledger", ledger.db, "--known-on", "2023-13-01")
    assert "--ledger and --record are exclusive" in refused(
        "status", ISTANBUL, "--ledger", ledger.db, "-r", ISTANBUL / "record.yaml")
    assert "--valid-from: " in refused(
        "ledger", "register-key", ledger.path("ua.key"), "--db", ledger.db, "--key",
        ledger.path("dep.key"), "--valid-from", "2022-02-30", "--full-powers", "x")
    assert "r.yaml:1:1: error: neither a SQLite ledger nor a ledger bundle" in refused(
        "ledger", "verify", ledger.write("r.yaml", SIGNATURE))


def _deposit(ledger: Ledger, act: Path, key: str = "ua.key") -> tuple[str | Path, ...]:
    return ("deposit", "--ledger", ledger.db, "--key", ledger.path(key), "--depositary-key",
            ledger.path("dep.key"), act)


def test_verify_names_the_first_bad_entry(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    ledger = made(capsys, tmp_path, str(tmp_path / "l.db"))
    ledger.deposit(ledger.write("signature.yaml", SIGNATURE))
    with sqlite3.connect(ledger.db) as connection:  # the party column changed behind its back
        connection.execute("UPDATE ledger_entries SET party = 'RU' WHERE party = 'UA'")
    connection.close()
    code, _, err = ledger.run("ledger", "verify", ledger.db)
    assert code == 1 and "the first bad entry is 2" in err


def _replay_script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    path = ISTANBUL / "replay_ledger.py"
    spec = importlib.util.spec_from_file_location("replay_ledger", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look it up there
    spec.loader.exec_module(module)
    return module


def test_the_istanbul_replay_gives_the_example_s_status_at_both_times(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    script = _replay_script(monkeypatch)
    db = str(tmp_path / "istanbul.db")
    assert script.main(["--db", db]) == 0
    out = capsys.readouterr().out
    assert out.startswith("HYPOTHETICAL SCENARIO")
    bundle = load_bundle(ISTANBUL, scenario=True)
    assert f"{len(bundle.record.acts)} acts accepted, 0 rejected" in out
    for known in (date(2023, 6, 7), date(2023, 6, 8)):
        direct = status(bundle.treaty, bundle.record, date(2023, 6, 8), known_on=known)
        bound = sum(p.standing == "bound" for p in direct.parties.values())
        since = f" since {direct.in_force_since}" if direct.in_force_since else ""
        assert (f"as known on {known}: {direct.state}{since}; {bound} parties bound"
                in out)
        from_ledger = _status_json(capsys, db, known)
        assert _standings(from_ledger) == _standings(direct.to_json())
    assert "not_in_force" in out and "in_force since 2023-06-08" in out
    keys = tmp_path / "istanbul-2022-keys"
    assert (keys / "TR-witness.json").is_file() and (keys / "UA.key").is_file()
    # the witnesses cosigned with keys of their own, not with their parties' keys
    assert "Key-Use: witness" in (keys / "TR-witness.key").read_text()
    assert "Key-Use" not in (keys / "TR.key").read_text()
    # and the ledger registers the witnesses' keys: it checks every cosignature
    code, out, err = run_cli_output(capsys, "ledger", "verify", db, "--spec", ISTANBUL)
    assert code == 0, err
    assert "cosignatures: 80\n" in out and "cosignatures unverifiable: 0\n" in out
    # run again into the same keys folder: refused before a ledger is made
    again = tmp_path / "again.db"
    assert script.main(["--db", str(again), "--keys", str(keys)]) == 1
    assert "holds key files already" in capsys.readouterr().err and not again.exists()


def _status_json(capsys: pytest.CaptureFixture[str], db: str, known: date) -> dict[str, Any]:
    code, out, err = run_cli_output(capsys, "status", ISTANBUL, "--ledger", db, "--as-of",
                                    "2023-06-08", "--known-on", str(known), "--json")
    assert code == 0, err
    found: dict[str, Any] = json.loads(out)
    return found


def _standings(found: dict[str, Any]) -> tuple[Any, ...]:
    return (found["state"], found["in_force_since"],
            {code: (p["standing"], p["bound_since"]) for code, p in found["parties"].items()})
