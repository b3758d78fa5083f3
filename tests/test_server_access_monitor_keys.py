"""Monitors' signing keys, end to end on the Istanbul example's ledger served by a real
uvicorn on 127.0.0.1 (SQLite and PostgreSQL): the administrator registers a monitor's key
(command line and HTTP), the monitor signs its report of the Kharkiv attack (RFC 9421) and
the obligations come back; a replay, a tampered body, an unknown or revoked key are
refused (401) and logged; a monitor's key is neither a party nor the administrator, and a
party's key does not report incidents."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli_inprocess import run_cli_output
from incident_ledgers import API, ATTACK, KHARKIV, bearer, istanbul_ledger, new_token, refused
from server_running import ISTANBUL, SetClock, serve
from signed_requests import signed_headers, table_rows
from treatyline.ledger.instruments import signed_instrument
from treatyline.ledger.keys import PartyKey, generate_party_key
from treatyline.server.monitor_keys import monitor_key_id, parse_public_key


def _raw(key: PartyKey) -> bytes:
    return key.public().public_key


def _signed_post(client: httpx.Client, key: PartyKey, key_id: str, path: str, body: bytes,
                 created: int, sent: bytes | None = None) -> tuple[httpx.Response,
                                                                     dict[str, str]]:
    """POST `sent` (by default `body`) to `path` with the headers signing `body`."""
    headers = signed_headers(key, "POST", f"{client.base_url}{path}", body, created=created,
                             key_id=key_id)
    return client.post(path, content=body if sent is None else sent,
                       headers=headers | {"Content-Type": "application/json"}), headers


def _refusals(client: httpx.Client, admin: str) -> list[dict[str, Any]]:
    answer = client.get(f"{API}/refusals", headers=bearer(admin))
    assert answer.status_code == 200, answer.text
    refusals: list[dict[str, Any]] = answer.json()["refusals"]
    return refusals


def test_a_monitor_signs_its_report_and_what_it_may_not_do_is_refused(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = istanbul_ledger(ledger_db, tmp_path, known_before=ATTACK)
    admin = new_token(capsys, ledger_db, "admin")
    monitor = generate_party_key("UA", "osce/monitor")  # a key pair; not in the ledger
    key_file = tmp_path / "osce.pub"
    key_file.write_text(base64.b64encode(_raw(monitor)).decode() + "\n")
    code, out, err = run_cli_output(capsys, "token", "monitor-key", "add", "--db", ledger_db,
                                    "--name", "osce-smm", "--public-key", key_file)
    assert code == 0, err
    key_id = out.strip()
    assert key_id == monitor_key_id(_raw(monitor)) and key_id.startswith("m-")

    clock = SetClock(datetime(2023, 10, 3, 15, 30, tzinfo=UTC))
    created = int(clock.moment.timestamp())
    body = json.dumps(KHARKIV).encode()
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=60) as client:
        # a second monitor, registered over HTTP with a PEM key
        other = generate_party_key("UA", "un/monitor")
        pem = other.public().to_pem().decode()
        pem = pem[pem.index("-----BEGIN"):]
        posted = client.post(f"{API}/monitors/keys", headers=bearer(admin),
                             json={"name": "un-hrmmu", "public_key": pem})
        assert posted.status_code == 201, posted.text
        other_id = posted.json()["id"]
        assert other_id == monitor_key_id(_raw(other))
        listed = client.get(f"{API}/monitors/keys", headers=bearer(admin)).json()["keys"]
        assert {(k["id"], k["name"], k["revoked"]) for k in listed} == {
            (key_id, "osce-smm", None), (other_id, "un-hrmmu", None)}

        # the monitor signs its report: recorded under its name and key, obligations back
        path = f"{API}/incidents"
        reported, headers = _signed_post(client, monitor, key_id, path, body, created)
        assert reported.status_code == 201, reported.text
        [recorded] = reported.json()["recorded"]
        assert recorded["submitted_by"] == f"monitor osce-smm (key {key_id})"
        consulting = {o["bearer"] for o in reported.json()["obligations"]
                      if o["provision"] == "consultation"}
        assert {"TR", "GB", "US"} <= consulting  # the guarantors bound that day

        # the same request again: replayed, and nothing recorded twice
        again = client.post(path, content=body,
                            headers=headers | {"Content-Type": "application/json"})
        refused(again, 401, "replayed_request", "header.signature-input")
        assert client.get(f"{API}/obligations").json()["incidents"] == 1

        # a body changed after signing: the content digest is not the body's
        tampered = json.dumps(KHARKIV | {"id": "hyp-tampered"}).encode()
        changed, _ = _signed_post(client, monitor, key_id, path, body, created, tampered)
        refused(changed, 401, "invalid_signature", "header.content-digest")

        # an unknown monitor key, a malformed monitor key id, a signature by another key
        stranger = generate_party_key("UA", "nobody")
        unknown_id = monitor_key_id(_raw(stranger))
        unknown, _ = _signed_post(client, stranger, unknown_id, path, body, created)
        assert "no monitor key" in refused(unknown, 401, "invalid_signature")["message"]
        malformed, _ = _signed_post(client, monitor, "m-xyz", path, body, created)
        assert "not a monitor key id" in refused(malformed, 401, "invalid_signature")["message"]
        forged, _ = _signed_post(client, stranger, key_id, path, body, created)
        refused(forged, 401, "invalid_signature", "header.signature")

        # a monitor's key is no party's: claiming TR's ledger key id, it does not verify;
        # an instrument signed with it is not a party's and is rejected (and logged)
        tr_id = f"{ledger.keys['TR'].key_id:08x}"
        instrument = signed_instrument(monitor, "istanbul-2022", {
            "date": "2023-10-03", "kind": "consultation", "party": "UA",
            "source": "hypothetical scenario (invented for this test)"})
        as_tr, _ = _signed_post(client, monitor, tr_id, f"{API}/instruments", instrument,
                                created)
        refused(as_tr, 401, "invalid_signature", "header.signature")
        deposited, _ = _signed_post(client, monitor, key_id, f"{API}/instruments", instrument,
                                    created)
        assert refused(deposited, 422, "instrument_rejected")["message"]
        # ... nor the administrator's
        tokens = client.get(f"{API}/tokens", headers=signed_headers(
            monitor, "GET", f"{url}{API}/tokens", created=created, key_id=key_id))
        refused(tokens, 403, "forbidden")
        keys_post, _ = _signed_post(client, monitor, key_id, f"{API}/monitors/keys",
                                    json.dumps({"name": "me", "public_key": pem}).encode(),
                                    created)
        refused(keys_post, 403, "forbidden")
        refused(client.get(f"{API}/monitors/keys"), 401, "credential_required")

        # a party's officer, signing with its ledger key, does not report incidents
        officer, _ = _signed_post(client, ledger.keys["TR"], tr_id, path,
                                  json.dumps(KHARKIV | {"id": "hyp-by-tr"}).encode(), created)
        refused(officer, 403, "forbidden")

        # revoked: kept, with its time; its signatures are refused from then on
        clock.moment = datetime(2023, 10, 3, 15, 31, tzinfo=UTC)
        revoked = client.delete(f"{API}/monitors/keys/{key_id}", headers=bearer(admin))
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked"] == clock.moment.isoformat()
        late, _ = _signed_post(client, monitor, key_id, path,
                               json.dumps(KHARKIV | {"id": "hyp-late"}).encode(),
                               int(clock.moment.timestamp()))
        assert "revoked" in refused(late, 401, "invalid_signature")["message"]
        # the other monitor's key still signs
        still, _ = _signed_post(client, other, other_id, path,
                                json.dumps(KHARKIV | {"id": "hyp-by-un"}).encode(),
                                int(clock.moment.timestamp()))
        assert still.status_code == 201, still.text
        assert still.json()["recorded"][0]["submitted_by"] == f"monitor un-hrmmu (key {other_id})"
        assert client.get(f"{API}/obligations").json()["incidents"] == 2

        log = [(r["status"], r["code"], r["principal"]) for r in _refusals(client, admin)]
        assert (401, "replayed_request", f"monitor osce-smm (key {key_id})") in log
        assert (403, "forbidden", f"monitor osce-smm (key {key_id})") in log
        assert (403, "forbidden", f"officer of TR (key {tr_id})") in log
        assert (401, "invalid_signature", f"key {unknown_id}") in log
        assert (401, "invalid_signature", f"key {key_id}") in log  # revoked
        assert (401, "invalid_signature", f"unknown (claims key {key_id})") in log  # forged
        assert (401, "invalid_signature", "unknown (a signature not taken)") in log  # digest
        assert (401, "credential_required", "public (no credential)") in log
    rows = table_rows(ledger_db, "SELECT id, name, revoked FROM server_monitor_keys ORDER BY id")
    assert {(row[0], row[1]) for row in rows} == {(key_id, "osce-smm"), (other_id, "un-hrmmu")}
    assert [row[2] is not None for row in rows if row[0] == key_id] == [True]


def test_bad_monitor_keys_are_refused_naming_the_field(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = istanbul_ledger(ledger_db, tmp_path, known_before=ATTACK)
    admin = new_token(capsys, ledger_db, "admin")
    raw = base64.b64encode(_raw(generate_party_key("UA", "m"))).decode()
    clock = SetClock(datetime(2023, 10, 3, 15, 30, tzinfo=UTC))
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=60) as client:
        keys = f"{API}/monitors/keys"
        for public_key in ("not a key", base64.b64encode(b"short").decode(),
                           "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"):
            answer = client.post(keys, headers=bearer(admin),
                                 json={"name": "osce", "public_key": public_key})
            refused(answer, 422, "invalid_key", "body.public_key")
        too_long = client.post(keys, headers=bearer(admin),
                               json={"name": "x" * 65, "public_key": raw})
        assert refused(too_long, 422)["place"] == "body.name"
        assert client.post(keys, headers=bearer(admin),
                           json={"name": "osce", "public_key": raw}).status_code == 201
        twice = client.post(keys, headers=bearer(admin), json={"name": "un", "public_key": raw})
        refused(twice, 409, "key_exists", "body.public_key")
        refused(client.delete(f"{keys}/m-0000000000000000", headers=bearer(admin)), 404,
                "key_not_found", "path.key_id")
        monitor_token = new_token(capsys, ledger_db, "monitor")
        refused(client.post(keys, headers=bearer(monitor_token),
                            json={"name": "osce2", "public_key": raw}), 403, "forbidden")
        assert url


def test_the_monitor_key_commands(ledger_db: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    istanbul_ledger(ledger_db, tmp_path, known_before=ATTACK)
    key = generate_party_key("UA", "osce/monitor")
    key_file = tmp_path / "monitor.pub"
    key_file.write_bytes(key.public().to_pem())  # the key file `keys public` writes
    code, out, err = run_cli_output(capsys, "token", "monitor-key", "add", "--db", ledger_db,
                                    "--name", "osce", "--public-key", key_file)
    assert code == 0, err
    key_id = out.strip()
    code, out, _ = run_cli_output(capsys, "token", "monitor-key", "list", "--db", ledger_db)
    assert code == 0
    [listed] = json.loads(out)
    assert (listed["id"], listed["name"], listed["revoked"]) == (key_id, "osce", None)
    for args, option in (
            (["--name", "osce!", "--public-key", key_file], "--name"),
            (["--name", "osce", "--public-key", tmp_path / "missing.pub"], "--public-key"),
            (["--name", "un", "--public-key", key_file], "--public-key")):  # registered
        code, _, err = run_cli_output(capsys, "token", "monitor-key", "add", "--db",
                                      ledger_db, *args)
        assert code == 1 and option in err and "Traceback" not in err, err
    code, _, err = run_cli_output(capsys, "token", "monitor-key", "revoke", "--db", ledger_db,
                                  key_id)
    assert code == 0 and f"monitor key {key_id} of osce revoked" in err
    code, _, err = run_cli_output(capsys, "token", "monitor-key", "revoke", "--db", ledger_db,
                                  "m-0000000000000000")
    assert code == 1 and "no monitor key" in err
    code, out, _ = run_cli_output(capsys, "token", "monitor-key", "list", "--db", ledger_db)
    assert json.loads(out)[0]["revoked"] is not None


def test_a_monitor_signs_an_event_file_upload(
        ledger_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = istanbul_ledger(ledger_db, tmp_path, known_before=None)
    monitor = generate_party_key("UA", "osce/monitor")
    key_file = tmp_path / "osce.pub"
    key_file.write_bytes(monitor.public().to_pem())
    code, out, err = run_cli_output(capsys, "token", "monitor-key", "add", "--db", ledger_db,
                                    "--name", "osce-smm", "--public-key", key_file)
    assert code == 0, err
    key_id = out.strip()
    clock = SetClock(datetime(2024, 6, 1, 12, tzinfo=UTC))
    files = {name: (path.name, path.read_bytes()) for name, path in (
        ("events", ISTANBUL / "scenario-events.csv"),
        ("mapping", ISTANBUL / "scenario-events.mapping.yaml"))}
    with serve(ledger, clock) as url, httpx.Client(base_url=url, timeout=120) as client:
        path = f"{API}/incidents/file"
        multipart = client.build_request("POST", path, files=files)
        body = multipart.read()  # the bytes sent are the bytes signed (content-digest)
        headers = signed_headers(monitor, "POST", f"{url}{path}", body,
                                 created=int(clock.moment.timestamp()), key_id=key_id)
        uploaded = client.post(path, content=body, headers=headers | {
            "Content-Type": multipart.headers["Content-Type"]})
        assert uploaded.status_code == 201, uploaded.text
        recorded = uploaded.json()["recorded"]
        assert len(recorded) > 1
        assert {r["submitted_by"] for r in recorded} == {f"monitor osce-smm (key {key_id})"}


@given(st.text(max_size=200) | st.binary(max_size=48).map(
    lambda raw: base64.b64encode(raw).decode()))
def test_any_public_key_text_is_a_key_or_refused_saying_why(text: str) -> None:
    try:
        raw = parse_public_key(text)
    except ValueError as error:
        assert str(error)
    else:
        assert len(raw) == 32


def test_the_three_forms_of_a_public_key_give_the_same_key() -> None:
    key = generate_party_key("UA", "osce/monitor")
    raw = _raw(key)
    key_file = key.public().to_pem().decode()
    pem = key_file[key_file.index("-----BEGIN"):]
    assert {parse_public_key(form) for form in (
        base64.b64encode(raw).decode(), pem, key_file)} == {raw}
