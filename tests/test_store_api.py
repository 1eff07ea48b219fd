"""The results database through its Python API, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.errors import StorageError
from tallyroom.formats import read_path
from tallyroom.model import CandidateResult, Election, Jurisdiction, Stage
from tallyroom.store import ElectionFilter, NewVersion, Store, normalize_url
from tallyroom.store import schema as t
from tallyroom.store.codec import canonical_text, to_json
from tallyroom.store.engine import PAGE_BYTES
from tallyroom.store.generate import detailed_election, generated_election
from tests.conftest import SEEDS
from tests.store_helpers import import_election, import_file, row_counts


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened


def lines(election: Election) -> list[int | None]:
    """Every line number of an election (provenance, which equality ignores)."""
    found: list[int | None] = [s.caption_line for s in election.stages]
    found += [row.line for s in election.stages for row in s.results]
    found += [p.line for p in election.paragraphs] + [c.line for c in election.candidates]
    return found + [item.line for item in election.infobox]


def test_every_part_of_the_model_round_trips(store: Store) -> None:
    election = detailed_election(7)
    result = import_election(store, election, "the source text", "detailed.txt")
    assert result.status == "new" and result.version == 1
    back = store.get_election(result.election_id)
    assert back == election
    assert lines(back) == lines(election)
    assert [s.date_source for s in back.stages] == [s.date_source for s in election.stages]
    assert back.source == "detailed.txt"
    assert store.source(election.title) == ("detailed.txt", "the source text")


def test_seed_articles_round_trip_with_their_text(store: Store, seeds_dir: Path) -> None:
    for path in SEEDS:
        (result,) = import_file(store, path)
        assert result.status == "new"
        (election,) = read_path(path)
        assert store.get_election(result.election_id) == election
        name, text = store.source(result.election_id)
        assert name == path.name
        assert text == path.read_text(encoding="utf-8")
        assert store.record(result.election_id).source_name == path.name


def test_reimport_is_a_no_op(store: Store) -> None:
    election = detailed_election(1)
    import_election(store, election, "text", "a.txt")
    before = row_counts(store)
    again = import_election(store, election, "text", "a.txt")
    assert again.status == "unchanged" and again.version == 1
    # Only provenance differs (line numbers, source name): still the same election.
    moved = dataclasses.replace(election, source="b.txt", paragraphs=election.paragraphs[::1])
    assert import_election(store, moved, "text", "b.txt").status == "unchanged"
    assert row_counts(store) == before


def test_a_changed_election_adds_a_version_and_an_audit_entry(store: Store) -> None:
    election = detailed_election(2)
    # Not certified: a certified election is locked (tests/test_store_locks.py).
    election = dataclasses.replace(
        election, stages=tuple(dataclasses.replace(s, status=None) for s in election.stages)
    )
    import_election(store, election, "first text", "first.txt", user="ana")
    general = election.stages[1]
    recount = dataclasses.replace(
        general,
        results=(
            dataclasses.replace(general.results[0], votes=(general.results[0].votes or 0) + 7),
            *general.results[1:],
        ),
    )
    changed = dataclasses.replace(
        election, stages=(election.stages[0], recount, *election.stages[2:])
    )
    result = import_election(store, changed, "second text", "second.txt", user="ben")
    assert (result.status, result.version) == ("new version", 2)
    assert store.get_election(election.title) == changed
    assert store.get_election(election.title, version=1) == election
    first, second = store.history(election.title)
    assert (first["action"], first["by"], first["source"]["name"]) == (
        "created",
        "ana",
        "first.txt",
    )
    assert (second["action"], second["by"], second["version"]) == ("changed", "ben", 2)
    assert second["count"] == 1
    (change,) = second["changes"]
    assert change["path"] == f"stages[general].results[{general.results[0].name}].votes"
    assert change["new"] - change["old"] == 7
    # The first text again is the same as version 1: nothing changes, and it says so ...
    again = import_election(store, election, "first text", "first.txt")
    assert (again.status, again.version, again.current) == ("unchanged", 1, 2)
    assert again.note is not None and "--replace" in again.note
    # ... unless it is meant to replace the current one: version 1 becomes current again.
    back = import_election(store, election, "first text", "first.txt", replace=True)
    assert (back.status, back.current) == ("reverted", 1)
    assert store.get_election(election.title) == election
    assert [entry["action"] for entry in store.history(election.title)] == [
        "created",
        "changed",
        "reverted",
    ]


def test_the_audit_trail_is_append_only(store: Store) -> None:
    import_election(store, detailed_election(3), "text", "a.txt")
    statements: list[sa.Executable] = [sa.update(t.audit).values(by="mallory"), sa.delete(t.audit)]
    if store.engine.dialect.name == "postgresql":
        statements.append(sa.text("TRUNCATE audit CASCADE"))
    for statement in statements:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(statement)
    assert [entry["by"] for entry in store.history(1)] != ["mallory"]
    assert row_counts(store)["audit"] == 1


def _with_votes(election: Election, votes: int | None) -> Election:
    stage = election.stages[0]
    rows = (dataclasses.replace(stage.results[0], votes=votes), *stage.results[1:])
    first = dataclasses.replace(stage, results=rows)
    return dataclasses.replace(election, stages=(first, *election.stages[1:]))


def test_constraints_refuse_bad_figures_and_nothing_is_half_written(
    store: Store, db_url: str
) -> None:
    good = generated_election(1, random.Random(1))
    bad = _with_votes(generated_election(2, random.Random(2)), -5)
    with pytest.raises(StorageError, match=r"^two\.txt: the database refused the import: .*votes"):
        service.import_elections(store, [good, bad], "two elections", "two.txt")
    assert set(row_counts(store).values()) == {0}
    # The kinds are checked by the database too, not only by the type checker: a version
    # written directly, with the figures of the well-typed election.
    final = dataclasses.replace(good.stages[0], kind="final")  # type: ignore[arg-type]
    odd = dataclasses.replace(good, stages=(final, good.stages[1]))
    decided = service.decide(good)
    new = NewVersion(
        identity="odd", election=odd, decisions=None, rules=None, rules_note=None, findings=(),
        errors=0, figures=decided.figures, figure_count=0, fingerprint="0" * 64, base=None,
        make_current=True, action="created",
    )  # fmt: skip
    with (
        pytest.raises(StorageError, match="ck_stages_kind_known"),
        store.batch() as batch,
    ):
        batch.write("odd", "odd.txt", lambda writer: writer.write(new))
    assert set(row_counts(store).values()) == {0}


def test_unknown_votes_stay_unknown(store: Store) -> None:
    election = _with_votes(generated_election(4, random.Random(4)), None)
    import_election(store, election, "text", "a.txt")
    back = store.get_election(election.title)
    assert back.stages[0].results[0].votes is None
    assert back.stages[0].computed_total is None


def _election(
    title: str,
    city: str,
    year: int,
    rows: list[tuple[str, int, str | None, bool]],
    *,
    kind: str = "general",
    registered: int | None = None,
    ballots: int | None = None,
    rules: str | None = None,
) -> Election:
    import datetime as dt

    stage = Stage(
        kind=kind,  # type: ignore[arg-type]
        date=dt.date(year, 4, 6),
        results=tuple(CandidateResult(n, v, party=p, incumbent=i) for n, v, p, i in rows),
        registered_voters=registered,
        ballots_cast=ballots,
    )
    return Election(
        title=title,
        jurisdiction=Jurisdiction(city, "Wisconsin" if city == "Milwaukee" else "Oregon"),
        office="Mayor",
        stages=(stage,),
        rules=rules,
    )


@pytest.fixture
def three(store: Store) -> Store:
    elections = [
        _election("2000 Milwaukee", "Milwaukee", 2000,
                  [("Ann Lee", 600, "Democratic", True), ("Bo Diaz", 400, None, False)],
                  registered=2000, ballots=1000, rules="top-two"),
        _election("2004 Milwaukee", "Milwaukee", 2004,
                  [("Ann Lee", 300, "Democratic", True), ("Cy Ford", 700, "Green", False)],
                  kind="runoff", registered=2000, ballots=1500),
        _election("2004 Portland", "Portland", 2004,
                  [("Di Gray", 510, "Republican", False), ("Ed Hale", 490, None, False)],
                  kind="primary", rules="majority-runoff"),
    ]  # fmt: skip
    for election in elections:
        import_election(store, election, canonical_text(election), election.title)
    return store


def _titles(store: Store, **where: object) -> list[str]:
    rows = store.list_elections(ElectionFilter(**where), order="oldest").rows  # type: ignore[arg-type]
    return [row.title for row in rows]


def test_list_filters(three: Store) -> None:
    assert _titles(three) == ["2000 Milwaukee", "2004 Milwaukee", "2004 Portland"]
    assert _titles(three, city="milwaukee") == ["2000 Milwaukee", "2004 Milwaukee"]
    assert _titles(three, state="Oregon") == ["2004 Portland"]
    assert _titles(three, year=2004) == ["2004 Milwaukee", "2004 Portland"]
    assert _titles(three, office="MAYOR", year=2000) == ["2000 Milwaukee"]
    assert _titles(three, candidate="ann") == ["2000 Milwaukee", "2004 Milwaukee"]
    assert _titles(three, candidate="hale") == ["2004 Portland"]
    assert _titles(three, party="green") == ["2004 Milwaukee"]
    assert _titles(three, party="Democratic") == ["2000 Milwaukee", "2004 Milwaukee"]
    assert _titles(three, rules="top-two") == ["2000 Milwaukee"]
    assert _titles(three, rules="Majority-Runoff") == ["2004 Portland"]
    assert _titles(three, city="Nowhere") == []
    (first,) = three.list_elections(limit=1, offset=1, order="oldest").rows
    assert first.title == "2004 Milwaukee" and first.winner == "Cy Ford"


def test_lookup_by_title_part_and_ambiguity(three: Store) -> None:
    assert three.find("portland") == three.find("2004 Portland")
    with pytest.raises(StorageError, match=r"'Milwaukee' matches several elections .*1: 2000"):
        three.find("Milwaukee")
    with pytest.raises(StorageError, match="no election matches 'Boston'"):
        three.get_election("Boston")
    with pytest.raises(StorageError, match="no election with id 99"):
        three.find(99)


def test_stats_across_elections(three: Store) -> None:
    stats = three.stats()
    assert (stats["elections"], stats["versions"], stats["sources"]) == (3, 3, 3)
    assert stats["incumbents"] == {"ran": 2, "won": 1, "lost": 1, "unknown": 0}
    # Margins: 200/1000, 400/1000, 20/1000 -> 20.67 points on average.
    assert stats["winning_margin"] == {"elections": 3, "average_percent": "20.67"}
    assert stats["decided_in"] == {"primary": 1, "general": 1, "runoff": 1}
    milwaukee = stats["turnout_by_city"]["Milwaukee, Wisconsin"]
    assert [(p["year"], p["turnout_percent"], p["basis"]) for p in milwaukee] == [
        (2000, "50.00", "computed"),
        (2004, "75.00", "computed"),
    ]
    assert "Portland, Oregon" not in stats["turnout_by_city"]
    assert stats["turnout_places"] == {"places": 2, "listed": 2}


def test_stats_of_the_elections_a_filter_matches(three: Store) -> None:
    milwaukee = three.stats(ElectionFilter(city="MILWAUKEE"))
    assert (milwaukee["elections"], milwaukee["versions"], milwaukee["sources"]) == (2, 2, 2)
    assert milwaukee["incumbents"] == {"ran": 2, "won": 1, "lost": 1, "unknown": 0}
    # 200/1000 and 400/1000 -> 30.00 points.
    assert milwaukee["winning_margin"] == {"elections": 2, "average_percent": "30.00"}
    assert milwaukee["decided_in"] == {"primary": 0, "general": 1, "runoff": 1}
    assert list(milwaukee["turnout_by_city"]) == ["Milwaukee, Wisconsin"]
    assert milwaukee["turnout_places"] == {"places": 1, "listed": 1}
    green = three.stats(ElectionFilter(party="green", year=2004))
    assert (green["elections"], green["decided_in"]["runoff"]) == (1, 1)
    nothing = three.stats(ElectionFilter(city="Boston"))
    assert (nothing["elections"], nothing["versions"], nothing["sources"]) == (0, 0, 0)
    assert nothing["winning_margin"] == {"elections": 0, "average_percent": None}
    assert nothing["turnout_by_city"] == {}
    # No filter at all is the whole archive.
    assert three.stats(ElectionFilter()) == three.stats()


def test_stats_lists_turnout_for_the_places_with_most_elections(three: Store) -> None:
    # Milwaukee has two elections, Portland one: with room for one place, Milwaukee is listed,
    # and the count says one place was left out.
    one = three.stats(places=1)
    assert list(one["turnout_by_city"]) == ["Milwaukee, Wisconsin"]
    assert one["turnout_places"] == {"places": 2, "listed": 1}
    assert three.stats(places=0)["turnout_by_city"] == {}
    # The other figures are of every election, whatever the number of places listed.
    everything = three.stats()
    assert {k: v for k, v in one.items() if not k.startswith("turnout")} == {
        k: v for k, v in everything.items() if not k.startswith("turnout")
    }


def test_a_database_at_two_revisions_at_once_is_refused(tmp_path: Path) -> None:
    """The revision is read without Alembic: a second row in its table (two heads) is named,
    not read as either."""
    path = tmp_path / "two.db"
    Store.open(path).close()
    with sa.create_engine(f"sqlite:///{path}").begin() as conn:
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('0099')")
    from tallyroom.store.engine import head_revision

    both = rf"several schema revisions at once: \['{head_revision()}', '0099'\]"
    with pytest.raises(StorageError, match=both):
        Store.open(path, read_only=True)


def test_an_empty_database_is_at_no_revision(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{path}").connect().close()
    with Store.connect(path) as store:
        assert store.revision() is None


# Indexes on expressions (lower(city), ...) cannot be reflected to compare: test_store_plans
# checks that the queries use them.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_schema_is_at_head_and_matches_the_tables(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from tallyroom.store.engine import head_revision, migrations_head

    # The head named in the code (read commands open a database without Alembic) is the
    # migrations' head, and what Alembic itself reads of the database.
    assert head_revision() == migrations_head()
    assert store.revision() == head_revision()
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        # The text search tables (SQLite) and trigram indexes (PostgreSQL, when pg_trgm can be
        # installed) are outside the metadata: test_store_plans checks them.
        outside = {*t.SEARCH_TABLES, *t.TRIGRAM_INDEXES}
        skip = {
            "include_name": lambda name, kind, parents: name not in outside,
            "include_object": lambda item, name, kind, reflected, other: name not in outside,
        }
        context = MigrationContext.configure(conn, opts={"compare_type": True, **skip})
        assert compare_metadata(context, t.metadata) == []
    assert store.upgrade() == (head_revision(), head_revision())


def test_opening_without_migrations_refuses_an_empty_database(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="run `tallyroom db upgrade`"):
        Store.open(tmp_path / "empty.db", migrate=False)
    with pytest.raises(StorageError, match="does not exist"):
        Store.open(tmp_path / "missing" / "x.db")


def test_urls() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("results.db").drivername == "sqlite+pysqlite"
    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        normalize_url("mysql://u@h/db")


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    with Store.open(tmp_path / "wal.db") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_a_new_sqlite_database_has_large_pages_and_an_old_one_keeps_its_own(
    tmp_path: Path, seeds_dir: Path
) -> None:
    with Store.open(tmp_path / "new.db") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == PAGE_BYTES != 4096
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as made:  # a database made before, with SQLite's default pages
        made.execute("PRAGMA page_size = 4096")
        made.execute("PRAGMA journal_mode = WAL")
    made.close()
    with Store.open(old) as store:
        (result,) = import_file(store, SEEDS[0])
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert store.record(result.election_id).election.title


def test_findings_of_the_checks_are_stored(store: Store, seeds_dir: Path) -> None:
    pytest.importorskip("tallyroom.checks")
    from tallyroom.checks import run_checks

    (result,) = import_file(store, SEEDS[0])
    (election,) = read_path(SEEDS[0])
    expected = run_checks(election)
    assert result.findings == len(expected) > 0
    stored = store.record(result.election_id).findings
    assert [(f.code, f.severity, f.line, f.message) for f in stored] == [
        (f.code, f.severity, f.line, f.message) for f in expected
    ]


def test_outcomes_of_the_rules_are_stored_and_decide_the_winner(store: Store) -> None:
    import datetime as dt

    # Under majority-or-runoff, 510 of 1,000 wins the primary outright: the rules say so.
    primary = Stage(
        kind="primary",
        date=dt.date(2004, 5, 18),
        results=(CandidateResult("Di Gray", 510), CandidateResult("Ed Hale", 490)),
    )
    election = Election(title="2004 Portland", stages=(primary,), rules="majority-runoff")
    import_election(store, election, "text", "portland.txt")
    record = store.record("2004 Portland")
    assert record.rules is not None and record.rules["name"] == "majority-runoff"
    assert record.decisions is not None
    (stage,) = record.decisions
    assert stage.winners == ("Di Gray",) and stage.status == "decided"
    assert record.figures.winner == "Di Gray" and record.figures.winner_percent == "51.00"
    assert store.list_elections().rows[0].winner == "Di Gray"
    assert record.election.stages[0].results[1].votes == 490


NEW_IN_0005 = ("winner_percent", "outcome", "error_findings", "figure_count", "decided_on")
NEW_IN_0009 = ("district",)


_UNIT_RESULTS = sa.table(
    "unit_results",
    *map(sa.column, ("version_id", "stage", "position", "unit", "candidate", "vote_type", "votes")),
)


_REPORTING_UNITS = sa.table(
    "reporting_units",
    *map(sa.column, ("version_id", "stage", "position", "unit", "name", "kind", "parent")),
)


def _reporting_unit_rows(conn: sa.Connection) -> list[dict[str, object]]:
    """The stored stages' units as the rows of ``reporting_units`` before migration 0017."""
    from tallyroom.store.rows import read_unit_list

    made = [
        {
            "version_id": row.version_id,
            "stage": row.stage,
            "position": position,
            "unit": unit.id,
            "name": unit.name,
            "kind": unit.kind,
            "parent": unit.parent,
        }
        for row in conn.execute(sa.select(t.stage_units))
        for position, unit in enumerate(read_unit_list(row.units, "test"))
    ]
    assert made
    return made


def _unit_result_rows(conn: sa.Connection) -> list[dict[str, object]]:
    """The stored unit figures as the rows of ``unit_results`` before migration 0016."""
    from tallyroom.store.unit_blocks import read_blocks

    u = t.unit_figures
    blocks = conn.execute(sa.select(u).order_by(u.c.version_id, u.c.stage, u.c.block)).all()
    made = []
    for (version_id, stage), rows in groupby(blocks, key=lambda row: (row.version_id, row.stage)):
        for position, figure in enumerate(read_blocks(list(rows), "test")):
            made.append(
                {
                    "version_id": version_id,
                    "stage": stage,
                    "position": position,
                    "unit": figure.unit,
                    "candidate": figure.candidate,
                    "vote_type": figure.vote_type,
                    "votes": figure.votes,
                }
            )
    assert made
    return made


def test_upgrading_an_old_database_fills_the_new_columns(db_url: str, tmp_path: Path) -> None:
    """A database at revision 0001 holding elections is migrated on open, its data intact."""
    from tallyroom.store.engine import create_engine, head_revision, normalize_url, upgrade

    with Store.open(tmp_path / "reference.db") as reference:
        for n in range(6):
            election = generated_election(n, random.Random(n))
            import_election(reference, election, canonical_text(election), f"{n}.json")
        import_election(reference, detailed_election(6), "detailed", "detailed.txt")
        added = (
            *("people", "incumbents_ran", "incumbents_won", "decided_in"),  # 0002
            *("parties", "turnout_ballots", "turnout_registered"),  # 0003
        )
        old = create_engine(normalize_url(db_url))
        assert upgrade(old, "0001") == (None, "0001")
        with reference.engine.connect() as source, old.begin() as target:
            for table in t.metadata.sorted_tables:
                if table is t.version_figures:
                    continue  # 0005 makes it from the outcomes below
                if table in (t.current_totals, t.place_counts):
                    continue  # 0011 sums the versions current then
                if table is t.unit_figures:  # before 0016, a row per figure
                    target.execute(sa.insert(_UNIT_RESULTS), _unit_result_rows(source))
                    continue
                if table is t.stage_units:  # before 0017, a row per unit
                    target.execute(sa.insert(_REPORTING_UNITS), _reporting_unit_rows(source))
                    continue
                rows = [dict(row._mapping) for row in source.execute(sa.select(table))]
                for row in rows:
                    later = ("threshold", *NEW_IN_0005, *NEW_IN_0009)  # 0004, 0005, 0009
                    if table is t.stages:
                        later = (*later, "source_id")
                    for name in (*added, *later):
                        row.pop(name, None)
                if rows:
                    target.execute(sa.insert(table), rows)
            # Before 0005 the rules' outcomes had a table of their own: the rules record, then
            # one record per stage; 0005 moves them into the version and drops the table.
            outcomes = sa.table(
                "outcomes",
                *(sa.column(name) for name in ("version_id", "position", "stage", "data")),
            )
            v = t.versions
            for version_id, election_id, number in source.execute(
                sa.select(v.c.id, v.c.election_id, v.c.number)
            ):
                record = reference.record(election_id, number)
                data = [(None, {"rules": record.rules, "title": record.title})]
                data += list(enumerate(to_json(d) for d in record.decisions or ()))
                target.execute(
                    sa.insert(outcomes),
                    [
                        {"version_id": version_id, "position": p, "stage": s, "data": json.dumps(d)}
                        for p, (s, d) in enumerate(data)
                    ],
                )
        old.dispose()
        with Store.open(db_url) as migrated:
            assert migrated.revision() == head_revision()
            assert row_counts(migrated) == row_counts(reference)
            v = t.versions
            query = sa.select(v.c.id, *(v.c[name] for name in added)).order_by(v.c.id)
            with reference.engine.connect() as a, migrated.engine.connect() as b:
                expected = a.execute(query).all()
                assert b.execute(query).all() == expected
                assert {row.decided_in for row in expected} == {"runoff"}
                assert sum(row.incumbents_ran for row in expected) >= 6
            assert migrated.stats() == reference.stats()
            title = detailed_election(6).title
            assert migrated.get_election(title) == reference.get_election(title)
            assert migrated.record(title).figures == reference.record(title).figures


def test_the_public_api_is_complete() -> None:
    import tallyroom.store

    for name in tallyroom.store.__all__:
        assert hasattr(tallyroom.store, name), name
    public = {name for name in dir(Store) if not name.startswith("_")}
    assert public >= {
        "open",
        "connect",
        "close",
        "upgrade",
        "revision",
        "batch",
        "revert",
        "list_elections",
        "find",
        "record",
        "get_election",
        "source",
        "history",
        "stats",
    }
    for name in public - {"engine"}:
        assert getattr(Store, name).__doc__, f"Store.{name} has no docstring"


def test_equal_content_under_an_old_fingerprint_is_still_unchanged(store: Store) -> None:
    election = detailed_election(4)
    import_election(store, election, "text", "a.txt")
    with store.engine.begin() as conn:
        # As an older tallyroom stored it: published versions are immutable since 0006.
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER versions_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE versions DISABLE TRIGGER USER")
        conn.execute(sa.update(t.versions).values(fingerprint="0" * 64))
    assert import_election(store, election, "text", "a.txt").status == "unchanged"
    assert len(store.history(election.title)) == 1


def test_a_batch_keeps_each_source_whole(store: Store) -> None:
    elections = [generated_election(n, random.Random(n)) for n in range(7)]
    refused = _with_votes(elections[3], -1)
    landed = []
    with store.batch(commit_every=2) as batch:
        for n, election in enumerate(elections):
            if n == 3:
                with pytest.raises(StorageError, match=r"^3\.json: the database refused"):
                    service.store_source(batch, (elections[2], refused), "two", "3.json")
                continue
            text = canonical_text(election)
            (result,) = service.store_source(batch, (election,), text, f"{n}.json")
            landed.append(result.title)
    assert sorted(row.title for row in store.list_elections().rows) == sorted(landed)
    assert store.stats()["versions"] == 6
    # elections[2] was in the refused source too, but its own import had already landed.
    assert store.history(elections[2].title)[0]["source"]["name"] == "2.json"
    with store.batch() as batch:
        again = service.store_source(batch, (elections[0],), canonical_text(elections[0]), "0")
    assert [r.status for r in again] == ["unchanged"]


def test_the_whole_list_and_its_pages_share_one_order(store: Store) -> None:
    undated = Election(title="Undated", stages=(Stage(kind="general"),))
    # Three elections of one year in three places (an election is its place, office and year).
    elections = [
        dataclasses.replace(
            generated_election(n, random.Random(n)), jurisdiction=Jurisdiction(f"Town {n}")
        )
        for n in (5, 130, 255)
    ] + [undated]
    for election in elections:
        import_election(store, election, canonical_text(election), election.title)
    whole = [row.title for row in store.list_elections().rows]
    assert whole[-1] == "Undated"
    assert [row.year for row in store.list_elections().rows] == [1905, 1905, 1905, None]
    pages = [row.title for n in range(4) for row in store.list_elections(limit=1, offset=n).rows]
    assert pages == whole
