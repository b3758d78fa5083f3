"""The command line, run for real as a subprocess: exit codes, JSON shape, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TREATYLINE = str(Path(sys.executable).with_name("treatyline"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TREATYLINE, *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_nato_in_force_on_1949_08_24_and_not_a_day_earlier() -> None:
    on = run("status", str(EXAMPLES / "nato-1949"), "--as-of", "1949-08-24", "--json")
    assert on.returncode == 0, on.stderr
    data = json.loads(on.stdout)
    assert data["in_force"] is True
    assert data["in_force_since"] == "1949-08-24"
    assert data["parties"]["FR"]["standing"] == "bound"
    assert data["parties"]["FR"]["bound_since"] == "1949-08-24"
    assert {"treaty", "as_of", "in_force", "in_force_since", "parties", "pending",
            "because"} <= set(data)
    before = json.loads(run("status", str(EXAMPLES / "nato-1949"), "--as-of", "1949-08-23",
                            "--json").stdout)
    assert before["in_force"] is False
    assert before["in_force_since"] is None
    assert before["pending"] == ["needs ratification by France"]
    assert before["parties"]["CA"] == {**before["parties"]["CA"], "standing": "consented",
                                       "bound_since": None}


def test_check_ok_and_bad(write: Callable[[str, str], Path]) -> None:
    ok = run("check", str(EXAMPLES / "nato-1949"))
    assert ok.returncode == 0
    assert "ok" in ok.stdout
    bad = write("treaty.yaml", (EXAMPLES / "nato-1949" / "treaty.yaml").read_text()
                .replace("parties: [named_in_article_11]", "parties: [named_in_article_12]"))
    result = run("check", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unknown party or group 'named_in_article_12'" in result.stderr
    assert "(did you mean 'named_in_article_11'?)" in result.stderr
    assert f"{bad}:" in result.stderr.replace("\n", "")


def test_check_ok_line_does_not_wrap_when_piped() -> None:
    # piped output is laid out 120 columns wide: the one-line summary must stay one line
    result = run("check", str(EXAMPLES.resolve() / "istanbul-2022"), "--scenario")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and len(lines[0]) > 120
    assert lines[0].startswith("ok: ") and lines[0].endswith("scenario.yaml")


def test_status_with_rejected_acts_prints_status_and_exits_1(
    write: Callable[[str, str], Path],
) -> None:
    record = write("record.yaml", """
        - {date: 1949-04-04, kind: signature, party: BE, source: t}
        - {date: 1949-04-04, kind: signature, party: UK, source: t}
        """)
    result = run("status", str(EXAMPLES / "nato-1949" / "treaty.yaml"), "--record", str(record),
                 "--as-of", "1949-05-01", "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["parties"]["BE"]["standing"] == "signatory"
    assert "'UK' is not a party to this treaty" in data["rejected"][0]["message"]
    assert "Traceback" not in result.stderr


def test_timeline_with_rejected_acts_lists_them_in_json_and_exits_1(
    write: Callable[[str, str], Path],
) -> None:
    record = write("record.yaml", """
        - {date: 1949-04-04, kind: signature, party: BE, source: t}
        - {date: 1949-04-04, kind: signature, party: UK, source: t}
        - {date: 1949-05-01, kind: ratification, party: FR, source: t}
        """)
    treaty = str(EXAMPLES / "nato-1949" / "treaty.yaml")
    result = run("timeline", treaty, "--record", str(record), "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    rejected = data["rejected"]
    assert [item["position"] for item in rejected] == [f"{record}:2:46", f"{record}:3:3"]
    assert "'UK' is not a party to this treaty" in rejected[0]["message"]
    assert "ratification by France on 1949-05-01 does not count" in rejected[1]["message"]
    # the same shape as the status's list, and the same acts once the status is past them
    status = json.loads(run("status", treaty, "--record", str(record), "--as-of", "1950-01-01",
                            "--json").stdout)
    assert rejected == status["rejected"]
    # the entry in the timeline is marked, and the message on stderr is located
    assert [e["kind"] for e in data["entries"] if e["party"] == "FR"] == ["rejected"]
    assert f"{record}:3:3: error: ratification by France" in result.stderr.replace("\n", "")

    clean = run("timeline", str(EXAMPLES / "nato-1949"), "--json")
    assert clean.returncode == 0
    assert json.loads(clean.stdout)["rejected"] == []


def test_bad_date_argument() -> None:
    result = run("status", str(EXAMPLES / "nato-1949"), "--as-of", "24/08/1949")
    assert result.returncode == 1
    assert "--as-of: '24/08/1949' is neither a date (YYYY-MM-DD)" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_spec_and_unknown_option() -> None:
    missing = run("status", "no/such/folder")
    assert missing.returncode == 1
    assert "no such treaty file or example folder" in missing.stderr
    usage = run("status", str(EXAMPLES / "nato-1949"), "--as-off", "1949-01-01")
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr


def test_timeline_json_is_ordered() -> None:
    result = run("timeline", str(EXAMPLES / "nato-1949"), "--json")
    assert result.returncode == 0
    entries = json.loads(result.stdout)["entries"]
    days = [e["date"] for e in entries]
    assert days == sorted(days)
    eif = [e for e in entries if e["what"] == "entry_into_force"]
    assert [e["date"] for e in eif] == ["1949-08-24"]
    late = {e["party"]: e["date"] for e in entries if e["what"] == "bound"}
    assert late == {"GR": "1952-02-18", "TR": "1952-02-18", "FI": "2023-04-04",
                    "SE": "2024-03-07"}


def test_schema_is_json_schema() -> None:
    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"parties", "procedure", "entry_into_force", "provisions"} <= set(schema["properties"])


def test_human_status_output() -> None:
    result = run("status", str(EXAMPLES / "nato-1949"), "--as-of", "1949-08-24")
    assert result.returncode == 0
    assert "IN FORCE since 1949-08-24" in result.stdout
    assert "Because:" in result.stdout


def test_demo_tells_the_story_and_writes_the_report(tmp_path: Path) -> None:
    output = tmp_path / "demo.html"
    result = subprocess.run([TREATYLINE, "demo", "--report", str(output)], capture_output=True,
                            text=True, timeout=300, check=False, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for heading in ("1. The negotiation (real record)", "3. The procedure moving (HYPOTHETICAL",
                    "4. Who is bound on", "5. What attacks trigger"):
        assert heading in result.stdout
    assert f"report written to {output}" in result.stdout.replace("\n", "")
    assert output.stat().st_size > 10_000
