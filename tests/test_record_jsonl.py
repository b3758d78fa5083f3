"""The JSON Lines record form, and the fast path that builds plain acts without pydantic."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from treatyline import RecordError, load_record, load_treaty
from treatyline.errors import Position
from treatyline.record import MAX_JSONL_LINE, Act, _plain_act

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def nato() -> object:
    return load_treaty(EXAMPLES / "nato-1949" / "treaty.yaml")


def load(tmp_path: Path, nato: object, text: str | bytes) -> object:
    path = tmp_path / "record.jsonl"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_record(path, nato)  # type: ignore[arg-type]


def messages(record: object) -> list[str]:
    return [str(d) for d in record.rejected]  # type: ignore[attr-defined]


def test_jsonl_loads_like_yaml(tmp_path: Path, nato: object) -> None:
    acts = [
        {"date": "1949-04-04", "kind": "signature", "party": "BE", "source": "s"},
        {"date": "1949-04-04T12:00+00:00", "kind": "signature", "party": "GB", "source": "s"},
        {"date": "1949-06-16", "kind": "ratification", "party": "BE", "source": "s",
         "note": "deposited", "recorded": "1949-06-20"},
        {"date": "1949-03-01", "kind": "talks_round", "parties": ["BE", "GB"], "source": "s",
         "delegations": {"BE": {"head": "Spaak"}}},
    ]
    (tmp_path / "record.yaml").write_text(
        "acts:\n" + "".join(f"  - {json.dumps(a)}\n" for a in acts), encoding="utf-8")
    (tmp_path / "record.jsonl").write_text(
        "".join(json.dumps(a) + "\n" for a in acts), encoding="utf-8")
    from_yaml = load_record(tmp_path / "record.yaml", nato)  # type: ignore[arg-type]
    from_jsonl = load_record(tmp_path / "record.jsonl", nato)  # type: ignore[arg-type]
    assert not from_jsonl.rejected
    assert [a.model_dump() for a in from_jsonl.acts] == [a.model_dump() for a in from_yaml.acts]
    assert [a.ref for a in from_jsonl.acts] == [
        "record.jsonl:4", "record.jsonl:2", "record.jsonl:1", "record.jsonl:3"]


def test_jsonl_header_line(tmp_path: Path, nato: object) -> None:
    record = load(tmp_path, nato, "\n".join([
        '{"record": {"hypothetical": true, "source": "default", "title": "t"}}',
        "",
        '{"date": "1949-04-04", "kind": "signature", "party": "BE"}',
        '{"date": "1949-04-04", "kind": "signature", "party": "FR", "source": "own"}',
    ]))
    assert not record.rejected  # type: ignore[attr-defined]
    acts = record.acts  # type: ignore[attr-defined]
    assert [(a.party, a.source, a.hypothetical) for a in acts] == [
        ("BE", "default", True), ("FR", "own", True)]
    assert acts[0].ref == "record.jsonl:3"


@pytest.mark.parametrize(("header", "message"), [
    ('{"record": {"hypothetical": "yes"}}',
     "record.jsonl:1:12: error: hypothetical is true or false"),
    ('{"record": {"titel": "x"}}', "record.jsonl:1:12: error: unknown field 'titel' in the "
     "record header; expected hypothetical, title, note, source (did you mean 'title'?)"),
    ('{"record": {}, "acts": []}', "record.jsonl:1:16: error: the header line of a JSON Lines "
     "record holds only \"record\"; found 'acts'"),
    ('{"record": [1]}', "record.jsonl:1:12: error: record is a mapping (hypothetical, title, "
     "note, source)"),
])
def test_jsonl_bad_header_refuses_the_file(tmp_path: Path, nato: object, header: str,
                                           message: str) -> None:
    with pytest.raises(RecordError) as caught:
        load(tmp_path, nato, header + "\n")
    assert [str(d) for d in caught.value.diagnostics] == [message]


def test_jsonl_bad_lines_are_located_and_the_rest_kept(tmp_path: Path, nato: object) -> None:
    record = load(tmp_path, nato, "\n".join([
        '{"date": "1949-04-04", "kind": "signature", "party": "BE", "source": "s"}',
        '{"date": "1949-04-04", "kind": "signature", "party": "FR", "source": "s"',
        '[1, 2]',
        '  {"date": 1949, "kind": "signature", "party": "IT", "source": "s"}',
        '{"date": "1949-04-04", "kind": "signature", "party": "NL", "sauce": "x", "source": "s"}',
        '{"date": "1949-04-04", "kind": "signature", "party": ["LU"], "source": "s"}',
        '{"date": "1949-04-04", "kind": "signature", "party": "UK", "source": "s"}',
        '{"date": "1949-04-04", "kind": "signature", "kind": "x", "source": "s"}',
        '{"date": "1949-02-30", "kind": "signature", "party": "PT", "source": "s"}',
        '{"date": "1949-04-04", "kind": "signature", "party": "DK", "yes_share": NaN, '
        '"source": "s"}',
        '{"date": "1949-04-04", "kind": "signature", "party": "IS"}',
        '"just a text"',
    ]))
    assert [a.party for a in record.acts] == ["BE"]  # type: ignore[attr-defined]
    assert messages(record) == [
        "record.jsonl:2:73: error: act record.jsonl:2: not well-formed JSON: Expecting ',' "
        "delimiter",
        "record.jsonl:3:1: error: an act is a mapping (date, kind, party, source...)",
        "record.jsonl:4:12: error: act record.jsonl:4: date: 1949 is not a date; write it as "
        "YYYY-MM-DD (or an ISO 8601 time with a timezone)",
        "record.jsonl:5:60: error: act record.jsonl:5: unknown field 'sauce' "
        "(did you mean 'source'?)",
        "record.jsonl:6:54: error: act record.jsonl:6: party: Input should be a valid string",
        "record.jsonl:7:54: error: act record.jsonl:7: 'UK' is not a party to this treaty, "
        "nor a state code "
        "(ISO 3166-1, or ISO 3166-3 for a former state) "
        "(did you mean 'GB'?)",
        "record.jsonl:8:1: error: act record.jsonl:8: duplicate key 'kind'",
        "record.jsonl:9:10: error: act record.jsonl:9: date: '1949-02-30' is not a real date: "
        "day is out of range for month",
        "record.jsonl:10:1: error: act record.jsonl:10: NaN is not a number JSON allows",
        "record.jsonl:11:1: error: act record.jsonl:11: missing required field 'source'",
        "record.jsonl:12:1: error: an act is a mapping (date, kind, party, source...)",
    ]


def test_jsonl_huge_and_deep_lines(tmp_path: Path, nato: object) -> None:
    good = '{"date": "1949-04-04", "kind": "signature", "party": "BE", "source": "s"}'
    huge = '{"date": "1949-04-04", "kind": "signature", "party": "FR", "source": "s", ' \
        f'"text": "{"x" * MAX_JSONL_LINE}"}}'
    deep = "[" * 100_000 + "]" * 100_000
    record = load(tmp_path, nato, "\n".join([good, huge, deep]))
    assert [a.party for a in record.acts] == ["BE"]  # type: ignore[attr-defined]
    assert messages(record) == [
        f"record.jsonl:2:1: error: act record.jsonl:2: the line is longer than "
        f"{MAX_JSONL_LINE:,} characters",
        "record.jsonl:3:1: error: act record.jsonl:3: JSON nested too deeply",
    ]


def test_jsonl_invalid_utf8_is_located(tmp_path: Path, nato: object) -> None:
    good = b'{"date": "1949-04-04", "kind": "signature", "party": "BE", "source": "s"}\n'
    with pytest.raises(RecordError) as caught:
        load(tmp_path, nato, good + b'{"date": "1949-04-04", "text": "caf\xe9"}\n')
    assert [str(d) for d in caught.value.diagnostics] == [
        "record.jsonl:2:36: error: invalid UTF-8 byte 0xe9 (the file must be UTF-8 text)"]


def test_jsonl_is_picked_up_in_an_example_folder(tmp_path: Path) -> None:
    from treatyline.bundle import load_bundle

    folder = tmp_path / "nato"
    shutil.copytree(EXAMPLES / "nato-1949", folder)
    for name in ("record.yaml", "record.yml", "record.csv"):
        (folder / name).unlink(missing_ok=True)
    (folder / "record.jsonl").write_text(
        '{"date": "1949-04-04", "kind": "signature", "party": "BE", "source": "s"}\n',
        encoding="utf-8")
    bundle = load_bundle(folder)
    assert [a.party for a in bundle.record.acts] == ["BE"]
    assert bundle.record_paths == (folder / "record.jsonl",)


@pytest.mark.parametrize("data", [
    {"date": "1949-04-04", "kind": "signature", "party": "BE", "source": "s"},
    {"date": "1949-04-04", "kind": "talks_round", "parties": ["BE", "FR"], "source": "s",
     "place": "Paris", "text": None, "id": "t1", "hypothetical": True, "note": "n"},
    {"date": "1949-04-04", "kind": "fact", "fact": "f", "source": "s", "parties": []},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "recorded": "1949-04-05"},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "recorded": "1949-04-04"},
])
@pytest.mark.parametrize("hypothetical", [False, True])
def test_plain_acts_are_the_acts_pydantic_builds(data: dict[str, object],
                                                 hypothetical: bool) -> None:
    position = Position("r", 3, 1)
    fast = _plain_act(dict(data), "r:3", position, 7, hypothetical)
    payload = {**data, "ref": "r:3", "position": position, "sequence": 7}
    if hypothetical:
        payload["hypothetical"] = True
    slow = Act.model_validate(payload)
    assert fast is not None
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set


@pytest.mark.parametrize("data", [
    {"date": " 1949-04-04", "kind": "signature", "source": "s"},
    {"date": "1949-04-04T10:00Z", "kind": "signature", "source": "s"},
    {"date": "0999-04-04", "kind": "signature", "source": "s"},
    {"date": "1949-04-04", "kind": "signature", "source": ""},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "party": 1},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "parties": "BE"},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "hypothetical": "true"},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "recorded": "1949-04-03"},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "recorded": "1949-04-05T10:00Z"},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "recorded": 19490405},
    {"date": "1949-04-04", "kind": "signature", "source": "s", "yes_share": 0.5},
    {"date": "\u0661949-04-04", "kind": "signature", "source": "s"},
])
def test_unusual_rows_take_the_validating_path(data: dict[str, object]) -> None:
    assert _plain_act(data, "r:1", Position("r", 1, 1), 0, False) is None
