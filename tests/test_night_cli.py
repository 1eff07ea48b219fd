"""Election night from the command line: declare, accounts, returns, status, certify."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.test_night_returns import DATA, KEY


def test_a_clerk_runs_the_night_from_the_command_line(db_url: str, tmp_path: Path) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text("a long enough password\n")
    db = ("--db", db_url)
    declared = run_cli(
        "declare", str(DATA / "springfield.toml"), "--units", str(DATA / "units.csv"), *db
    )
    assert declared.stdout.strip() == KEY
    for name, role in (("cy", "clerk"), ("ed", "certifier")):
        added = run_cli("users", "add", name, "--role", role, "--password-file", str(secret), *db)
        assert added.stdout.strip() == f"added {name} ({role})"
    run_cli("users", "assign", "cy", KEY, *db)
    listed = json.loads(run_cli("users", "list", "--json", *db).stdout)
    assert listed == [
        {"name": "cy", "role": "clerk", "disabled": False, "elections": [KEY]},
        {"name": "ed", "role": "certifier", "disabled": False, "elections": []},
    ]
    clerk = ("--as", "cy", "--password-file", str(secret))
    votes = ("--votes", "Ann Lee=500", "--votes", "Bo Park=300", "--votes", "Cy Diaz=50")
    entered = run_cli("returns", "enter", KEY, "P1", "--stage", "general", *votes, *clerk, *db)
    assert entered.stdout.strip() == "P1: revision 1"
    status = run_cli("returns", "status", KEY, *db).stdout
    assert status.startswith("2025 Springfield Mayor election: 1 of 5 units reporting · updated ")
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,candidate,votes\nP2,Ann Lee,-1\nP2,Zed,3\n")
    refused = run_cli("returns", "upload", KEY, str(bad), *clerk, *db, code=2)
    assert "nothing stored, 2 problems: line 2: votes '-1': expected 0 or more; line 3: " in (
        refused.stderr
    )
    uploaded = run_cli("returns", "upload", KEY, str(DATA / "returns.csv"), *clerk, *db)
    assert uploaded.stdout.strip().endswith("returns.csv: 3 units changed")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the password\n")
    run_cli("certify", KEY, "--as", "ed", "--password-file", str(wrong), *db, code=2)
    gate = run_cli("certify", KEY, "--as", "ed", "--password-file", str(secret), *db, code=2)
    assert "not certified: 1 of 5 units have not reported in the general (P2)" in gate.stderr
    votes2 = ("--votes", "Ann Lee=310", "--votes", "Bo Park=320", "--votes", "Cy Diaz=40")
    run_cli("returns", "enter", KEY, "P2", *votes2, *clerk, *db)
    done = run_cli("certify", KEY, "--as", "ed", "--password-file", str(secret), *db)
    assert done.stdout.strip() == f"{KEY}: certified"
    late = run_cli(
        "returns", "enter", KEY, "P2", *votes2[:4], "--votes", "Cy Diaz=41", *clerk, *db, code=2
    )
    assert "is certified: its returns cannot change" in late.stderr
    shown = json.loads(run_cli("returns", "status", KEY, "--json", *db).stdout)
    assert (shown["reported"], shown["total"], shown["status"]) == (5, 5, "certified")
    run_cli("users", "disable", "cy", *db)
    denied = run_cli("returns", "upload", KEY, str(DATA / "returns.csv"), *clerk, *db, code=2)
    assert "cy: sign-in refused" in denied.stderr
