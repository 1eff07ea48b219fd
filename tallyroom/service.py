"""read -> decide -> check -> store: the one application service, used by the CLI and the web.

:func:`decide` applies an election's rules (:mod:`tallyroom.rules`), runs the checks
(:mod:`tallyroom.checks`) and makes the figures every output shows (:mod:`tallyroom.figures`):
the only place they are made. :func:`import_files` reads each file, joins each election to the
one stored with the same identity (:mod:`tallyroom.identity`), decides the result, and stores it
as a new version — current when it is at least as good as the current one (no more error
findings, no fewer figures) or when the user asks to ``replace`` it; else kept beside it. An
election whose current version is certified is locked: only a ``correction`` with a reason
makes a new version of it. Every file an import tries is recorded, whatever came of it.
Every file is reported on its own: one bad file never costs the good ones beside it.
"""

from __future__ import annotations

import copyreg
import datetime as dt
import functools
import gc
import hashlib
import importlib
import io
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from tallyroom.checks import run_checks
from tallyroom.checks.context import make_context
from tallyroom.checks.types import Finding
from tallyroom.errors import InputError, StorageError, TallyroomError
from tallyroom.figures import ElectionFigures, election_figures
from tallyroom.identity import election_identity, figure_count, merge_stages
from tallyroom.limits import check_storable, collector_paused
from tallyroom.model import Election, StageDecision
from tallyroom.rules import choose_rules, preset_names, rules_json, verify_choice
from tallyroom.rules.report import stage_decisions
from tallyroom.rules.types import ElectionVerdict
from tallyroom.store import Batch, Busy, Conflict, ImportResult, NewVersion, Store, StoredElection
from tallyroom.store.batch import OPTIMIZE_FROM, Replay
from tallyroom.store.codec import MAX_CHANGES, differences, election_json, fingerprint
from tallyroom.store.read import current_head, stored_election
from tallyroom.store.sources import SourceFile, SourceText, source_sha256
from tallyroom.store.writes import (
    Attempt,
    AuditAction,
    Certified,
    SourceWriter,
    VersionRows,
    revert_version,
    version_rows,
)

if TYPE_CHECKING:  # the pool's modules are imported when it starts
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = [
    "Decided",
    "FileOutcome",
    "Prepared",
    "Staged",
    "certified",
    "decide",
    "import_elections",
    "import_files",
    "judge",
    "prepare",
    "read_file",
    "store_source",
]

#: How often a write is decided again when another writer changed the election meanwhile.
ATTEMPTS = 3
#: How often a chunk of files is written again when another writer's transaction was in the way,
#: and the first pause (doubled each time, with jitter), in seconds.
WRITE_ATTEMPTS = 8
BACKOFF = 0.05


@dataclass(frozen=True, slots=True)
class Decided:
    """An election with everything decided about it, once."""

    election: Election
    verdict: ElectionVerdict | None
    """The rules' verdict (``None`` when the rules could not be applied: see ``rules_note``)."""
    rules: Mapping[str, Any] | None
    rules_note: str | None
    decisions: tuple[StageDecision, ...] | None
    findings: tuple[Finding, ...]
    figures: ElectionFigures

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")


def decide(election: Election, rules: str | Path | None = None) -> Decided:
    """Apply the rules (``rules`` names a preset or file; else the election's own or inferred
    ones), run the checks, and make the figures."""
    verdict: ElectionVerdict | None = None
    note: str | None = None
    if isinstance(rules, str) and rules not in preset_names():
        rules = Path(rules)
    try:
        verdict = verify_choice(election, choose_rules(election, rules))
    except TallyroomError as error:
        if rules is not None:
            raise
        note = f"the rules could not be applied: {error}"
    decisions = stage_decisions(verdict) if verdict is not None else None
    # The checks judge the outcomes under the document's own or inferred rules: the ones just
    # derived, unless other rules were named.
    outcomes = None
    if rules is None and verdict is not None:
        outcomes = tuple(stage.outcome for stage in verdict.stages)
    context = make_context(election, outcomes=outcomes)
    return Decided(
        election=election,
        verdict=verdict,
        rules=rules_json(verdict.choice) if verdict is not None else None,
        rules_note=note,
        decisions=decisions,
        findings=tuple(run_checks(election, context=context)),
        figures=election_figures(election, decisions, context.totals),
    )


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What an import did with one file: ``stored`` (something was written), ``unchanged``
    (nothing needed writing) or ``refused`` (nothing written; ``error`` says why, with the
    file and line)."""

    name: str
    status: Literal["stored", "unchanged", "refused"]
    results: tuple[ImportResult, ...] = ()
    error: str | None = None
    warnings: tuple[str, ...] = ()
    sha256: str | None = None
    """Of the file's text (its bytes when it could not be read; ``None``: not even those)."""


Read = tuple[SourceText, tuple[Election, ...], tuple[str, ...]]

#: A precinct file of more bytes than this is read from disk a line at a time, never held
#: whole: its text is read again, a piece at a time, as it is stored (:class:`SourceFile`).
STREAMED_BYTES = 4 << 20


def read_file(path: Path, rules: str | None = None, date: dt.date | None = None) -> Read:
    """A file's text (or, for a long precinct file, where it is), its elections and the
    reader's warnings. A file of ranked ballots is counted under ``rules`` (a preset's name or a
    rules file), which it needs."""
    from tallyroom.formats import detect_format, load_path_streamed, load_text, read_bytes
    from tallyroom.formats.ballots import read_ballots

    if _large(path) and path.suffix.lower() != ".abif":  # ABIF is ballots (see _ballots)
        streamed = load_path_streamed(path, date=date)
        if streamed is not None:
            loaded = streamed.loaded
            found = SourceFile(path, streamed.sha256, streamed.size)
            return found, loaded.elections, tuple(loaded.warnings)
    text = read_bytes(path)
    if rules is not None and _ballots(path, text, detect_format(text, path.name)):
        return text, (read_ballots(path, rules),), ()
    loaded = load_text(text, str(path), date=date)
    return text, loaded.elections, tuple(loaded.warnings)


def _large(path: Path) -> bool:
    try:
        return path.stat().st_size > STREAMED_BYTES
    except OSError:
        return False  # read whole, which words what is wrong


def _ballots(path: Path, text: str, fmt: str) -> bool:
    """Whether a file given with rules holds ranked ballots to count: an ABIF file, a NIST
    cast-vote-record report, or a text file that is no election format tallyroom reads (a CSV
    of rankings)."""
    if path.suffix.lower() == ".abif":
        return True
    if fmt == "nist-json":
        return '"CVR"' in text[:100_000]
    return fmt == "text" and not text.lstrip("\ufeff \t\r\n").startswith("=")


def certified(election: Election) -> bool:
    """Whether the results of the election's deciding stage are certified: then no import
    replaces it, and only a correction with a reason makes a new version."""
    stage = election.deciding_stage
    return stage is not None and stage.status == "certified"


def _locked(name: str, stored: StoredElection, correction: str | None) -> None:
    if correction is None and certified(stored.election):
        raise Certified(
            f"{name}: {stored.election.title} (version {stored.current}) is certified; import "
            "it with --correction REASON to record a correction"
        )


def judge(
    decided: Decided,
    stored: StoredElection,
    origins: tuple[int | None, ...],
    replace: bool,
    correction: str | None = None,
) -> tuple[AuditAction, str | None]:
    """Whether a new version of a stored election becomes current, as an audit action and a
    note: ``corrected`` (current: the stored one is certified and this is a ``correction``,
    whose reason is the note), ``changed`` (current: it is at least as good — no more error
    findings, no fewer figures — or it only adds stages), ``kept`` (not current) or
    ``replaced`` (current because the user said ``replace``)."""
    if correction is not None and certified(stored.election):
        return "corrected", f"correction: {correction}"
    kept = {origin for origin in origins if origin is not None}
    if len(kept) == len(stored.election.stages):
        # Only adds stages (a general's results to a stored primary): new facts, not a rival
        # reading of the same ones, so it is not judged against the current version.
        return "changed", None
    worse = []
    if decided.errors > stored.errors:
        worse.append(
            f"{decided.errors} error findings where the current version has {stored.errors}"
        )
    figures = figure_count(decided.election)
    if figures < stored.figure_count:
        worse.append(f"{figures} figures where the current version has {stored.figure_count}")
    if not worse:
        return "changed", None
    if replace:
        return "replaced", "made current by --replace although it has " + "; ".join(worse)
    return "kept", "not made current: it has " + "; ".join(worse) + " (--replace makes it current)"


def _version(
    decided: Decided,
    identity: str,
    stored: StoredElection | None,
    origins: tuple[int | None, ...],
    print_: str,
    replace: bool,
    correction: str | None,
) -> NewVersion:
    election = decided.election
    action: AuditAction = "created"
    note = None
    sources: tuple[int | None, ...] = ()
    found: list[dict[str, Any]] = []
    if stored is not None:
        action, note = judge(decided, stored, origins, replace, correction)
        sources = tuple(stored.stage_sources[o] if o is not None else None for o in origins)
        found = differences(
            election_json(stored.election, provenance=False),
            election_json(election, provenance=False),
        )
    return NewVersion(
        identity=identity,
        election=election,
        decisions=decided.decisions,
        rules=decided.rules,
        rules_note=decided.rules_note,
        findings=decided.findings,
        errors=decided.errors,
        figures=decided.figures,
        figure_count=figure_count(election),
        fingerprint=print_,
        base=stored.current if stored is not None else None,
        make_current=action != "kept",
        action=action,
        note=note,
        stage_sources=sources,
        changes=tuple(found[:MAX_CHANGES]),
        change_count=len(found),
    )


def _store_election(
    writer: SourceWriter,
    election: Election,
    *,
    replace: bool,
    rules: str | None,
    decided: Decided | None,
    correction: str | None,
) -> ImportResult:
    """Join ``election`` to the stored one of its identity, decide, and write (inside the
    source's savepoint, so that the reads see the writes of the same batch)."""
    identity = election_identity(election)
    own = fingerprint(election)
    new = writer.claim(identity, election.title)
    if not new:
        writer.flush()  # what the batch has buffered, so that the reads below see it
        head = current_head(writer.conn, identity)
        if head is not None and head.fingerprint == own:
            # Exactly the current content (re-importing a file): nothing to load or decide.
            return _unchanged(writer, head.id, head.title, head.current, head.current, head.errors)
    stored = None if new else stored_election(writer.conn, identity)
    merged, origins = (election, ()) if stored is None else merge_stages(stored.election, election)
    print_ = own if merged is election else fingerprint(merged)
    if stored is not None and print_ not in stored.fingerprints and stored.election == merged:
        print_ = stored.fingerprint  # equal content, fingerprinted by an older tallyroom
    if stored is not None and print_ in stored.fingerprints:
        number = stored.fingerprints[print_]
        if number == stored.current or not replace:
            errors = stored.errors if number == stored.current else 0
            title = stored.election.title
            return _unchanged(writer, stored.id, title, number, stored.current, errors)
        _locked(writer.name, stored, correction)
        reason = f"{writer.name} imported again with --replace"
        if correction is not None:
            reason = f"{reason}; correction: {correction}"
        return revert_version(writer.conn, stored.id, number, writer.user, reason)
    if stored is not None:
        _locked(writer.name, stored, correction)
    judged = decided if decided is not None and merged is election else decide(merged, rules)
    return writer.write(_version(judged, identity, stored, origins, print_, replace, correction))


def _unchanged(
    writer: SourceWriter, election_id: int, title: str, number: int, current: int, errors: int
) -> ImportResult:
    """Nothing written: version ``number`` already holds this content."""
    note = None
    if number != current:
        note = (
            f"the same as version {number}, which is not current (version {current} is); "
            "--replace makes it current"
        )
    return ImportResult(
        election_id, title, "unchanged", number, current, writer.sha256, 0, errors, note
    )


def store_source(
    batch: Batch,
    elections: Sequence[Election],
    text: SourceText,
    name: str,
    *,
    replace: bool = False,
    rules: str | None = None,
    decided: Sequence[Decided | None] | None = None,
    correction: str | None = None,
    sha256: str | None = None,
) -> tuple[ImportResult, ...]:
    """Every election of one source in one savepoint of ``batch``: all stored, or none
    (:class:`~tallyroom.errors.StorageError`); decided again when another writer changed one
    of them meanwhile. ``decided``: the elections' decisions when already made; ``correction``:
    the reason for a new version of a certified election (:class:`Certified` without one);
    ``sha256``: of ``text``, when the caller has it."""
    judged = decided if decided is not None else [None] * len(elections)
    for election in elections:  # refused as input before anything is written
        check_storable(election, name)

    def work(writer: SourceWriter) -> tuple[ImportResult, ...]:
        return tuple(
            _store_election(
                writer, e, replace=replace, rules=rules, decided=d, correction=correction
            )
            for e, d in zip(elections, judged, strict=True)
        )

    for attempt in range(ATTEMPTS):
        try:
            return batch.write(text, name, work, sha256)
        except Conflict:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def import_elections(
    store: Store,
    elections: Sequence[Election],
    text: str,
    name: str,
    *,
    user: str | None = None,
    replace: bool = False,
    rules: str | None = None,
) -> tuple[ImportResult, ...]:
    """Decide and store the elections read from one source (``text``, kept with its name)."""
    with store.batch(user=user) as batch:
        return store_source(
            batch,
            elections,
            text,
            name,
            replace=replace,
            rules=rules,
            decided=[None] * len(elections),
        )


def import_files(
    store: Store,
    paths: Iterable[Path],
    *,
    user: str | None = None,
    replace: bool = False,
    rules: str | None = None,
    commit_every: int = 100,
    on_file: Callable[[FileOutcome], None] | None = None,
    correction: str | None = None,
    jobs: int = 1,
    date: dt.date | None = None,
) -> tuple[FileOutcome, ...]:
    """Import every file on its own: read, decide, check and store, each file whole or not
    at all; a file that cannot be read or stored is refused and the others go on.

    Files go in chunks of ``commit_every``: each chunk is read, decided and checked first, with
    no transaction open, and then written in one short transaction (a savepoint per file; the
    rows below each version are inserted for the whole chunk at once, and when the database
    refuses those the chunk is written again with each file's rows in its own savepoint). A
    chunk that another writer's transaction got in the way of (a deadlock or serialization
    failure on PostgreSQL, a database still locked on SQLite after the busy timeout) is rolled
    back whole and written again after a pause. Every file's outcome is recorded in the same
    transaction as its writes (a refused one after its savepoint is rolled back), for ``user``.

    With ``jobs`` above 1, files are read, decided and checked in that many worker processes
    (the next chunk while this one is written); the writes stay in this process, in the
    files' order, so the outcome is the same as with one job. ``date`` is the election date of
    precinct files that state none.
    """
    if commit_every < 1:
        raise ValueError("commit_every must be at least 1")
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    outcomes: list[FileOutcome] = []
    # The planner's statistics are refreshed as the tables grow (after 100 files, 200, 400,
    # ...): a database's cached plans, PostgreSQL's triggers' among them, are made for tables
    # as they were then, and a plan made for a nearly empty table scans it whole. With
    # autovacuum off or late, inserting the 100,000th version scanned 100,000 rows.
    next_optimize = OPTIMIZE_FROM
    for chunk in _prepared_chunks(paths, rules, commit_every, jobs, date):
        with collector_paused():  # a chunk's rows are many small objects, none in a cycle
            written = _write_chunk(
                store,
                chunk,
                user=user,
                replace=replace,
                rules=rules,
                correction=correction,
                date=date,
            )
        for outcome in written:
            outcomes.append(outcome)
            if on_file is not None:
                on_file(outcome)
        if len(outcomes) >= next_optimize:
            store.optimize()
            next_optimize *= 2
    if len(outcomes) >= OPTIMIZE_FROM:
        store.optimize()
    return tuple(outcomes)


@contextmanager
def _made_before_frozen() -> Iterator[None]:
    """The objects made before this point (the modules' among them) kept out of the cycle
    collector's scans until the block ends, unless the program froze some itself.

    Reading a file makes many objects, some of which live long enough to count towards a full
    collection, and each full collection scanned every object of the process. An import with
    one job made one every 600 articles or so: 0.68 CPU-s of each 5,000 articles' 9 at the
    start of an import of 40,000, and 1.25 at its end, as the import's own outcomes added to
    what each one scanned. A frozen object is still freed when nothing refers to it."""
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()


def _read_only(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _pickle_mapping(mapping: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _read_only, (dict(mapping),)


# Decisions and findings hold read-only mappings; worker processes send them back pickled.
copyreg.pickle(MappingProxyType, _pickle_mapping)


def _chunks(paths: Iterable[Path], size: int) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    for path in paths:
        chunk.append(path)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepared_chunks(
    paths: Iterable[Path], rules: str | None, size: int, jobs: int, date: dt.date | None
) -> Iterator[list[Prepared | Staged | FileOutcome]]:
    """The files prepared, a chunk of ``size`` at a time, in order; by ``jobs`` processes,
    each given a few files at a time (see :class:`Staged`)."""
    if jobs == 1:
        with _made_before_frozen():  # as :func:`_workers` does for its pool
            for chunk in _chunks(paths, size):
                yield [prepare(path, rules, date) for path in chunk]
        return
    with _workers(jobs) as pool:
        pending: list[Future[list[Staged | FileOutcome]]] | None = None
        for chunk in _chunks(paths, size):
            step = max(1, -(-len(chunk) // (2 * jobs)))
            submitted = [
                pool.submit(_stage_files, chunk[start : start + step], rules, date)
                for start in range(0, len(chunk), step)
            ]
            if pending is not None:
                yield [item for future in pending for item in future.result()]
            pending = submitted
        if pending is not None:
            yield [item for future in pending for item in future.result()]


@contextmanager
def _workers(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``jobs`` worker processes, forked from this one on Linux, where they begin
    with its modules imported (and the readers and rules presets loaded, see :func:`_ready`)
    instead of importing them again, about half a second of CPU per worker; spawned afresh
    elsewhere.

    Forking is safe here: a worker only reads files and decides them. It never uses this
    process's database connection (which stays referenced, so a worker does not close it
    either), writes to standard output and error through streams of its own (see
    :func:`_own_streams`), and ends without running this process's exit handlers. The pool
    starts every worker at its first task, before its own threads exist. Until the pool ends,
    the objects made before it stay out of the cycle collector's scans, here and in the
    workers (which would otherwise write to, and so copy, every page holding one), unless the
    program froze some itself."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if sys.platform != "linux":
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool
        return
    _ready()
    with (
        _made_before_frozen(),
        ProcessPoolExecutor(
            jobs, mp_context=multiprocessing.get_context("fork"), initializer=_own_streams
        ) as pool,
    ):
        yield pool


def _own_streams() -> None:
    """In a forked worker: standard output and error as new streams on the same descriptors.
    Another thread of the importing process (the progress display's) may have been writing
    to one of them at the fork; the worker's copy of that stream would then hold a lock that
    nothing in the worker ever releases, and its first warning would wait forever."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            descriptor = stream.fileno()
        except (AttributeError, OSError, ValueError):
            continue  # not a file (a test's capture): nothing was copied mid-write
        setattr(
            sys,
            name,
            io.TextIOWrapper(
                io.FileIO(descriptor, "w", closefd=False),
                encoding=getattr(stream, "encoding", None) or "utf-8",
                errors=getattr(stream, "errors", None) or "strict",
                line_buffering=True,
                write_through=True,
            ),
        )


def _ready() -> None:
    """Import the readers a file may need and read the rules presets, once, in this process:
    forked workers inherit them."""
    from tallyroom.formats import detect_format
    from tallyroom.rules.loading import load_presets

    detect_format("")  # imports the modules that tell the formats apart
    importlib.import_module("tallyroom.formats.article")  # the reader of most files
    load_presets()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file read, decided and checked, ready to be written."""

    name: str
    text: SourceText
    elections: tuple[Election, ...]
    decided: tuple[Decided, ...]
    warnings: tuple[str, ...]


def prepare(
    path: Path, rules: str | None = None, date: dt.date | None = None
) -> Prepared | FileOutcome:
    """Read, decide and check one file (no database involved); a refused outcome when it
    cannot be used."""
    try:
        text, elections, warnings = read_file(path, rules, date)
        decided = tuple(decide(election, rules) for election in elections)
    except TallyroomError as error:
        return FileOutcome(path.name, "refused", error=str(error), sha256=_digest(path))
    return Prepared(path.name, text, elections, decided, warnings)


@dataclass(frozen=True, slots=True)
class Staged:
    """A file read, decided and checked in a worker process, sent back as the rows of the first
    version of each of its elections (strings, numbers and tuples: cheap to send, unlike the
    model). Should one of its elections be stored already, the writing process reads and
    decides the file again, to decide it against the stored one."""

    path: Path
    name: str
    text: SourceText
    sha256: str
    """Of ``text``."""
    warnings: tuple[str, ...]
    identities: tuple[str, ...]
    versions: tuple[VersionRows, ...]


def _stage_files(
    paths: Sequence[Path], rules: str | None, date: dt.date | None
) -> list[Staged | FileOutcome]:
    """:func:`prepare` each file, as :class:`Staged` rows (in a worker process). The cyclic
    garbage collector waits until the files are done: reading and deciding a file makes
    thousands of small objects, which it would otherwise scan again and again."""
    with collector_paused():
        return [_staged(path, prepare(path, rules, date)) for path in paths]


def _staged(path: Path, item: Prepared | FileOutcome) -> Staged | FileOutcome:
    if isinstance(item, FileOutcome):
        return item
    versions = []
    identities = tuple(election_identity(e) for e in item.elections)
    sha256 = source_sha256(item.text)
    try:
        for election, decided, identity in zip(
            item.elections, item.decided, identities, strict=True
        ):
            check_storable(election, item.name)
            new = _version(decided, identity, None, (), fingerprint(election), False, None)
            versions.append(version_rows(new))
    except InputError as error:  # what the store cannot hold
        return FileOutcome(
            item.name,
            "refused",
            error=str(error),
            warnings=item.warnings,
            sha256=sha256,
        )
    return Staged(path, item.name, item.text, sha256, item.warnings, identities, tuple(versions))


def _digest(path: Path) -> str | None:
    try:
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def _write_chunk(
    store: Store,
    chunk: Sequence[Prepared | Staged | FileOutcome],
    *,
    user: str | None,
    replace: bool,
    rules: str | None,
    correction: str | None,
    date: dt.date | None = None,
) -> list[FileOutcome]:
    buffered = True
    attempt = 0
    while True:
        try:
            with store.batch(
                user=user, commit_every=len(chunk) + 1, optimize=False, buffered=buffered
            ) as batch:
                if buffered:
                    batch.create_ahead(
                        [
                            (
                                item.text,
                                item.name,
                                item.sha256,
                                [(v.identity, v.title) for v in item.versions],
                            )
                            for item in chunk
                            if isinstance(item, Staged)
                        ]
                    )
                outcomes: list[FileOutcome] = []
                for item in chunk:
                    identities: tuple[str, ...] | None = None
                    if isinstance(item, FileOutcome):
                        outcome = item
                    elif isinstance(item, Staged):
                        store_file = functools.partial(
                            _store_staged, batch, item, replace, rules, correction, date
                        )
                        outcome = _write_file(item, store_file, item.sha256)
                        identities = item.identities
                    else:
                        sha256 = source_sha256(item.text)
                        store_file = functools.partial(
                            store_source,
                            batch,
                            item.elections,
                            item.text,
                            item.name,
                            replace=replace,
                            rules=rules,
                            decided=item.decided,
                            correction=correction,
                            sha256=sha256,
                        )
                        outcome = _write_file(item, store_file, sha256)
                        identities = tuple(election_identity(e) for e in item.elections)
                    batch.attempt(
                        Attempt(
                            outcome.name,
                            outcome.sha256,
                            identities,
                            outcome.status,
                            outcome.error,
                        )
                    )
                    outcomes.append(outcome)
                return outcomes
        except Replay:
            if not buffered:
                raise
            # The database refused the rows of one of the files, written together: write the
            # chunk again with each file's rows in its own savepoint, to refuse that one alone.
            buffered = False
        except Busy:
            attempt += 1
            if attempt == WRITE_ATTEMPTS:
                raise
            # Another writer holds what this chunk needs: let it finish, then write again.
            time.sleep(BACKOFF * 2 ** (attempt - 1) * (1 + random.random()))


def _write_file(
    item: Prepared | Staged, store: Callable[[], tuple[ImportResult, ...]], sha256: str
) -> FileOutcome:
    try:
        results = store()
    except (Busy, Replay):
        raise
    except (StorageError, InputError) as error:  # InputError: what the store cannot hold
        return FileOutcome(
            item.name, "refused", error=str(error), warnings=item.warnings, sha256=sha256
        )
    status: Literal["stored", "unchanged"] = (
        "unchanged" if all(r.status == "unchanged" for r in results) else "stored"
    )
    return FileOutcome(item.name, status, results, warnings=item.warnings, sha256=sha256)


def _store_staged(
    batch: Batch,
    item: Staged,
    replace: bool,
    rules: str | None,
    correction: str | None,
    date: dt.date | None,
) -> tuple[ImportResult, ...]:
    """Store a file :class:`Staged` by a worker: its new elections from the rows; from the first
    that is stored already on, the file is read and decided again here, to be decided against
    the stored ones."""

    def work(writer: SourceWriter) -> tuple[ImportResult, ...]:
        results: list[ImportResult] = []
        for number, rows in enumerate(item.versions):
            result = writer.write_rows(rows)
            if result is None:
                return (*results, *_store_again(writer, item, number))
            results.append(result)
        return tuple(results)

    def _store_again(writer: SourceWriter, item: Staged, start: int) -> list[ImportResult]:
        again = prepare(item.path, rules, date)
        if (
            isinstance(again, FileOutcome)
            or source_sha256(again.text) != item.sha256
            or tuple(election_identity(e) for e in again.elections) != item.identities
        ):
            raise StorageError(f"{item.path}: the file changed while it was imported")
        return [
            _store_election(
                writer, election, replace=replace, rules=rules, decided=d, correction=correction
            )
            for election, d in zip(again.elections[start:], again.decided[start:], strict=True)
        ]

    for attempt in range(ATTEMPTS):
        try:
            return batch.write(item.text, item.name, work, item.sha256)
        except Conflict:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
