"""Election night end to end through the backend: declare, enter and upload returns, watch the
progress, certify, correct; on SQLite and PostgreSQL. The data is tests/data/night (made up)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.errors import (
    InputError,
    ParseError,
    PermissionDenied,
    StaleEdit,
    StorageError,
    ValidationError,
)
from tallyroom.night import accounts
from tallyroom.night.accounts import User
from tallyroom.night.declare import Declaration, declare, read_declaration, read_units_csv
from tallyroom.night.returns import RowsRefused, enter_returns, unit_entry, upload_returns
from tallyroom.night.status import CertifyRefused, certify, correct, progress
from tallyroom.store import Store
from tallyroom.store import schema as t
from tallyroom.store.writes import Certified

DATA = Path(__file__).resolve().parent / "data" / "night"
PASSWORD = "a long enough password"
KEY = "springfield|illinois|mayor|2025"
P1 = {"Ann Lee": 500, "Bo Park": 300, "Cy Diaz": 50}
P2 = {"Ann Lee": 310, "Bo Park": 320, "Cy Diaz": 40, "Ballots Cast": 680, "Under Votes": 10}


def springfield() -> Declaration:
    declared = read_declaration((DATA / "springfield.toml").read_text(), "springfield.toml")
    return replace(declared, units=read_units_csv((DATA / "units.csv").read_text(), "units.csv"))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened


def night_users(store: Store) -> tuple[User, User, User]:
    """A clerk assigned to Springfield, a second one, and a certifier."""
    key = declare(store, springfield(), actor="root")
    for name, role in (("cy", "clerk"), ("di", "clerk"), ("ed", "certifier")):
        accounts.add_user(store, name, role, PASSWORD, actor="root")
    for name in ("cy", "di"):
        accounts.assign(store, name, key, actor="root")
    return (
        accounts.find_user(store, "cy"),
        accounts.find_user(store, "di"),
        accounts.find_user(store, "ed"),
    )


def trail(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.returns_audit).order_by(t.returns_audit.c.id)).all()
    return [dict(row._mapping) for row in rows]


def test_a_declaration_reads_and_refuses_what_does_not_fit() -> None:
    declared = springfield()
    assert declared.display_title == "2025 Springfield Mayor election"
    assert [u.id for u in declared.reporting_units] == ["P1", "P2", "P3", "P4", "P5"]
    assert declared.unit("W1") is not None and declared.unit("W1").parent == "city"  # type: ignore[union-attr]
    assert declared.stages[0].candidates[1].party == "Independent"
    assert Declaration.from_json(declared.to_json()) == declared
    text = (DATA / "springfield.toml").read_text()
    with pytest.raises(ParseError, match=r"^x.toml: expected TOML"):
        read_declaration(text + "\n= broken", "x.toml")
    with pytest.raises(ValidationError, match=r"x.toml: stages\[0\].kind: expected one of"):
        read_declaration(text.replace('"general"', '"final"'), "x.toml")
    with pytest.raises(ValidationError, match=r"x.toml: rules: expected a preset"):
        read_declaration(text.replace('"plurality"', '"coin-toss"'), "x.toml")
    with pytest.raises(ValidationError, match=r"mayor: unknown key"):
        read_declaration(text + '\nmayor = "x"\n', "x.toml")
    with pytest.raises(ValidationError, match=r"'Cy Diaz' is listed twice"):
        read_declaration(text.replace('"Cy Diaz"', '"Cy Diaz", "Cy Diaz"'), "x.toml")


def test_a_units_file_reports_every_bad_line() -> None:
    bad = "id,name,kind,parent,registered_voters\nP1,One,precinct,,ten\nP2,Two,shed,,5\nP3\n"
    with pytest.raises(ValidationError) as caught:
        read_units_csv(bad, "units.csv")
    message = str(caught.value)
    assert message.startswith("units.csv: line 2: registered_voters: expected a whole number")
    assert "line 3: kind: expected one of" in message and "line 4: expected 5 columns" in message
    with pytest.raises(ValidationError, match="parent 'W9', not a unit"):
        read_units_csv("id,name,parent\nP1,One,W9\n", "units.csv")
    with pytest.raises(ParseError, match=r"units.csv:1: expected a header"):
        read_units_csv("precinct,voters\n", "units.csv")


def test_declaring_stores_an_election_with_no_returns(store: Store) -> None:
    key = declare(store, springfield(), actor="root")
    assert key == KEY
    shown = progress(store, key)
    assert (shown.reported, shown.total, shown.status, shown.revision) == (
        0, 5, "unofficial-partial", 1,
    )  # fmt: skip
    stored = store.get_election("Springfield")
    (stage,) = stored.stages
    assert [r.votes for r in stage.results] == [None, None, None]
    assert stage.registered_voters == 4600 and stage.status == "unofficial"
    assert {u.id for u in stage.units} == {"city", "W1", "W2", "P1", "P2", "P3", "P4", "P5"}
    (declared,) = trail(store)
    assert declared["action"] == "declared" and declared["by"] == "root"


def test_returns_roll_up_into_a_new_version_each_time(store: Store) -> None:
    cy, _, _ = night_users(store)
    assert unit_entry(store, KEY, 0, "P1") is None
    assert enter_returns(store, KEY, 0, "P1", P1, expected_revision=0, actor=cy) == 1
    entry = unit_entry(store, KEY, 0, "P1")
    assert entry is not None and dict(entry.votes) == P1 and entry.by == "cy"
    # The same figures again change nothing: no new version, no record.
    assert enter_returns(store, KEY, 0, "P1", P1, expected_revision=1, actor=cy) == 1
    changed = upload_returns(
        store, KEY, 0, (DATA / "returns.csv").read_text(), "returns.csv", actor=cy
    )
    assert changed == 3
    shown = progress(store, KEY)
    assert (shown.reported, shown.total, shown.status) == (4, 5, "unofficial-partial")
    record = store.record("Springfield")
    assert [(r.name, r.votes) for r in record.election.stages[0].results] == [
        ("Ann Lee", 500 + 400 + 300 + 210),
        ("Bo Park", 300 + 350 + 280 + 250),
        ("Cy Diaz", 50 + 100 + 90 + 60),
    ]
    assert record.figures.winner == "Ann Lee"
    assert [v["action"] for v in store.history("Springfield")] == ["created", "changed", "changed"]
    rows = trail(store)
    assert [row["action"] for row in rows] == ["declared", "entered", *["uploaded"] * 3]
    uploaded = rows[-1]
    assert uploaded["unit"] == "P5" and uploaded["by"] == "cy" and uploaded["old"] is None
    assert json.loads(str(uploaded["new"])) == {"Ann Lee": 210, "Bo Park": 250, "Cy Diaz": 60}
    import hashlib

    digest = hashlib.sha256((DATA / "returns.csv").read_bytes()).hexdigest()
    assert uploaded["file_sha256"] == digest
    enter_returns(store, KEY, 0, "P2", P2, expected_revision=0, actor=cy)
    assert progress(store, KEY).status == "unofficial-complete"
    assert store.get_election("Springfield").stages[0].status == "complete"


def test_a_bad_upload_lists_every_row_and_stores_nothing(store: Store) -> None:
    cy, _, _ = night_users(store)
    bad = (
        "unit,candidate,votes\n"
        "P1,Ann Lee,500\n"
        "P1,Bo Park,-3\n"
        "P1,Cy Diaz,1.5\n"
        "P9,Ann Lee,1\n"
        "P2,Zed,4\n"
        "P1,Ann Lee,500\n"
        "W1,Ann Lee,5\n"
        "P3,Ann Lee,1000\n"
        "P3,Bo Park,300\n"
        "P3,Cy Diaz,0\n"
    )
    with pytest.raises(RowsRefused) as caught:
        upload_returns(store, KEY, 0, bad, "night.csv", actor=cy)
    assert caught.value.problems == (
        "line 3: votes '-3': expected 0 or more",
        "line 4: votes '1.5': expected a whole number",
        "line 5: unknown unit 'P9'",
        "line 6: unknown candidate 'Zed' in the general",
        "line 7: P1, Ann Lee is given again (first on line 2)",
        "line 8: unit 'W1' has units under it; give the returns of those units",
        "line 9: P3: 1,300 votes, more than its 1,200 registered voters",
    )
    assert str(caught.value).startswith("night.csv: nothing stored, 7 problems: line 3: ")
    assert progress(store, KEY).reported == 0 and len(trail(store)) == 1
    with pytest.raises(ParseError, match=r"night.csv:1: expected a header of unit,candidate"):
        upload_returns(store, KEY, 0, "precinct,votes\n", "night.csv", actor=cy)
    with pytest.raises(RowsRefused, match=r"P4: no votes for 'Cy Diaz'"):
        enter_returns(
            store, KEY, 0, "P4", {"Ann Lee": 1, "Bo Park": 2}, expected_revision=0, actor=cy
        )


def test_a_bad_form_entry_names_every_problem_and_stores_nothing(store: Store) -> None:
    cy, _, _ = night_users(store)

    def refused(stage: int, unit: str, votes: dict[str, int]) -> tuple[str, ...]:
        with pytest.raises(RowsRefused) as caught:
            enter_returns(store, KEY, stage, unit, votes, expected_revision=0, actor=cy)
        return caught.value.problems

    assert refused(1, "P1", P1) == ("stage 1: expected 0 to 0",)
    assert refused(0, "P9", P1) == ("unknown unit 'P9'",)
    assert refused(0, "W1", P1) == (
        "unit 'W1' has units under it; enter the returns of those units",
    )
    assert refused(0, "P1", {**P1, "Bo Park": -1, "Zed": 2}) == (
        "P1: Bo Park: votes -1: expected 0 or more",
        "P1: unknown candidate 'Zed' in the general",
    )
    assert refused(0, "P1", {**P1, "Ballots Cast": 1001}) == (
        "P1: 1,001 ballots cast, more than its 1,000 registered voters",
    )
    assert progress(store, KEY).reported == 0 and len(trail(store)) == 1


def test_a_stale_edit_is_refused_naming_who_changed_it(store: Store) -> None:
    cy, di, _ = night_users(store)
    enter_returns(store, KEY, 0, "P1", P1, expected_revision=0, actor=cy)
    fixed = {**P1, "Cy Diaz": 55}
    with pytest.raises(StaleEdit, match=r"P1 in the general was changed by cy at \d\d:\d\d") as e:
        enter_returns(store, KEY, 0, "P1", fixed, expected_revision=0, actor=di)
    assert (e.value.by, e.value.expected, e.value.found) == ("cy", 0, 1)
    assert (
        enter_returns(store, KEY, 0, "P1", fixed, expected_revision=1, actor=di, reason="typo") == 2
    )
    last = trail(store)[-1]
    assert last["reason"] == "typo" and json.loads(str(last["old"])) == P1


def test_two_clerks_at_once_lose_nothing(store: Store) -> None:
    cy, di, _ = night_users(store)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def enter(user: User, unit: str, votes: dict[str, int]) -> None:
        barrier.wait()
        try:
            outcomes[user.name] = enter_returns(
                store, KEY, 0, unit, votes, expected_revision=0, actor=user
            )
        except StaleEdit as error:
            outcomes[user.name] = error

    for units in ((("cy", "P1"), ("di", "P2")), (("cy", "P3"), ("di", "P3"))):
        users = {"cy": cy, "di": di}
        votes = {"P1": P1, "P2": P2, "P3": {"Ann Lee": 1, "Bo Park": 2, "Cy Diaz": 3}}
        threads = [
            threading.Thread(target=enter, args=(users[name], unit, votes[unit]))
            for name, unit in units
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if units[0][1] == "P1":
            assert outcomes == {"cy": 1, "di": 1}
        else:
            assert sorted(type(o).__name__ for o in outcomes.values()) == ["StaleEdit", "int"]
        outcomes.clear()
    stage = store.get_election("Springfield").stages[0]
    assert [r.votes for r in stage.results] == [500 + 310 + 1, 300 + 320 + 2, 50 + 40 + 3]
    assert progress(store, KEY).reported == 3


def test_only_assigned_clerks_enter_returns(store: Store) -> None:
    _, _, ed = night_users(store)
    other = accounts.add_user(store, "fay", "clerk", PASSWORD, actor="root")
    for user in (ed, other):
        with pytest.raises(PermissionDenied, match="may not enter returns for springfield"):
            enter_returns(store, KEY, 0, "P1", P1, expected_revision=0, actor=user)
        with pytest.raises(PermissionDenied):
            upload_returns(store, KEY, 0, "unit,candidate,votes\n", "x.csv", actor=user)
    with pytest.raises(PermissionDenied, match="needs admin"):
        declare(store, springfield(), actor=other)


def complete_night(store: Store, clerk: User) -> None:
    enter_returns(store, KEY, 0, "P1", P1, expected_revision=0, actor=clerk)
    enter_returns(store, KEY, 0, "P2", P2, expected_revision=0, actor=clerk)
    upload_returns(store, KEY, 0, (DATA / "returns.csv").read_text(), "returns.csv", actor=clerk)


def test_certifying_runs_the_gate_then_locks_every_path(store: Store, tmp_path: Path) -> None:
    cy, _, ed = night_users(store)
    with pytest.raises(PermissionDenied, match="needs certifier"):
        certify(store, KEY, actor=cy)
    enter_returns(store, KEY, 0, "P2", {**P2, "Ballots Cast": 700}, expected_revision=0, actor=cy)
    with pytest.raises(CertifyRefused) as refused:
        certify(store, KEY, actor=ed)
    assert refused.value.reasons == (
        "4 of 5 units have not reported in the general (P1, P3, P4, P5)",
        "P2 in the general: 700 ballots cast, but 670 votes + 0 over + 10 under = 680",
    )
    enter_returns(store, KEY, 0, "P2", P2, expected_revision=1, actor=cy)
    enter_returns(store, KEY, 0, "P1", P1, expected_revision=0, actor=cy)
    upload_returns(store, KEY, 0, (DATA / "returns.csv").read_text(), "returns.csv", actor=cy)
    certify(store, KEY, actor=ed)
    assert progress(store, KEY).status == "certified"
    record = store.record("Springfield")
    assert record.election.stages[0].status == "certified"
    with pytest.raises(Certified, match="is certified"):
        enter_returns(store, KEY, 0, "P1", {**P1, "Cy Diaz": 1}, expected_revision=1, actor=cy)
    with pytest.raises(Certified):
        upload_returns(store, KEY, 0, "unit,candidate,votes\nP1,Ann Lee,1\n", "x.csv", actor=cy)
    with pytest.raises(Certified):
        declare(store, springfield(), actor="root")
    # An import of a changed copy of the stored election is refused too.
    _, text = store.source("Springfield")
    changed = tmp_path / "changed.toml"
    row = '{ unit = "P5", candidate = "Cy Diaz", votes = 60 }'
    assert row in text
    changed.write_text(text.replace(row, row.replace("60", "61")))
    (outcome,) = service.import_files(store, [changed])
    assert outcome.status == "refused" and "is certified" in (outcome.error or "")
    with pytest.raises(CertifyRefused, match="certified already"):
        certify(store, KEY, actor=ed)


def test_a_correction_reopens_a_certified_election(store: Store) -> None:
    cy, _, ed = night_users(store)
    complete_night(store, cy)
    with pytest.raises(InputError, match="not certified"):
        correct(store, KEY, "recount asked", actor=ed)
    certify(store, KEY, actor=ed)
    with pytest.raises(PermissionDenied):
        correct(store, KEY, "recount asked", actor=cy)
    with pytest.raises(InputError, match="needs a reason"):
        correct(store, KEY, "  ", actor=ed)
    correct(store, KEY, "recount of precinct 1", actor=ed, kind="recount")
    assert progress(store, KEY).status == "recount"
    enter_returns(store, KEY, 0, "P1", {**P1, "Cy Diaz": 52}, expected_revision=1, actor=cy)
    assert progress(store, KEY).status == "recount"
    certify(store, KEY, actor=ed)
    history = store.history("Springfield")
    # Reopened, the content is that of the version before certification: made current again,
    # with the correction's reason in the audit trail.
    assert [v["action"] for v in history][-3:] == ["reverted", "changed", "changed"]
    assert "correction: recount of precinct 1" in json.dumps(history[-3])
    assert [row["action"] for row in trail(store)][-4:] == [
        "certified", "recount", "entered", "certified",
    ]  # fmt: skip
    assert (
        store.get_election("Springfield").stages[0].results[2].votes == 50 + 40 + 100 + 90 + 60 + 2
    )


def test_declaring_again_keeps_the_returns(store: Store) -> None:
    cy, _, _ = night_users(store)
    enter_returns(store, KEY, 0, "P1", P1, expected_revision=0, actor=cy)
    declared = springfield()
    text = (DATA / "springfield.toml").read_text() + (
        '\n[[stages]]\nkind = "runoff"\ndate = 2025-05-06\ncandidates = ["Ann Lee", "Bo Park"]\n'
    )
    runoff = replace(read_declaration(text, "x.toml"), units=declared.units)
    assert declare(store, runoff, actor="root") == KEY
    assert [s.kind for s in store.get_election("Springfield").stages] == ["general", "runoff"]
    assert progress(store, KEY).reported == 1
    assert (
        enter_returns(
            store, KEY, 1, "P1", {"Ann Lee": 3, "Bo Park": 4}, expected_revision=0, actor=cy
        )
        == 1
    )
    assert progress(store, KEY).stage == 1
    dropped = replace(runoff, units=tuple(u for u in declared.units if u.id != "P1"))
    with pytest.raises(InputError, match="Mayor election: unit 'P1' has returns in the general"):
        declare(store, dropped, actor="root")
    with pytest.raises(InputError, match="runoff is no longer declared"):
        declare(store, declared, actor="root")
    with pytest.raises(StorageError, match="no declared election"):
        progress(store, "nowhere|x|mayor|2025")
