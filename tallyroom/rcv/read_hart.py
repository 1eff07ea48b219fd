"""Hart (Verity) cast-vote records: a folder of XML files, one ballot sheet each, read as RCTab
reads them.

Every file of the folder whose name ends in ``.xml`` (any case) is one record, ``<Cvr>`` (in
Hart's namespace or none), read in the order of the file names (RCTab takes the folder's own
listing order, which the file system decides). One contest is read, named by its Hart ``Id``
(a GUID; RCTab's ``contestId``). Each record is read as RCTab 2.0's ``HartCvrReader`` reads it:

* each ``Contests/Contest`` with that ``Id`` is one ballot; a record without it holds none;
* each ``Options/Option`` is a candidate, named by its ``Id`` (the code RCTab configurations
  name candidates by), and its ``Value`` gives its ranks, one digit per rank read left to
  right: ``1`` where the rank is marked, ``0`` where not (``0100``: rank 2; ``0101``: ranks 2
  and 4). Two options marked at one rank are an overvote, one option at several ranks a
  repeated ranking, both left to the rules, as are skipped ranks; a contest without options
  is a ballot ranking no one;
* with no declared candidates, an option is named by its ``Name``, and a nameless write-in
  slot (an option with ``WriteInData``) is an undeclared write-in; the code given as the
  undeclared write-in label (RCTab's ``undeclaredWriteInLabel``) is one too;
* the precinct is the record's ``PrecinctSplit/Name``; the ballot id is its ``CvrGuid`` (the
  file's name without ``.xml`` when it has none).

Refused, each naming the file: a file that is not well-formed XML or not a ``<Cvr>``, an option
without ``Id`` or ``Value`` or listed twice in the contest, a ``Value`` with a character other
than ``0`` and ``1`` or longer than :data:`~tallyroom.limits.MAX_RANKINGS`, two options sharing
a name (with no declared candidates), and a contest no file holds (with no contest named, the
contests of the first record are listed). A file larger than
:data:`~tallyroom.limits.MAX_FILE_BYTES` is refused.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tallyroom.errors import ParseError, ValidationError
from tallyroom.limits import MAX_RANKINGS, read_limited
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.types import ranking_of
from tallyroom.rcv.xml_tree import child, children, local, parsed, text

__all__ = ["HartBallot", "HartOption", "hart_ballots", "hart_files", "is_hart_export", "read_hart"]

_PROBE_BYTES = 4096
#: The first element's tag, past the XML declaration and any comments.
_ROOT_TAG = re.compile(rb"<(?![?!])([\w:.-]+)")


@dataclass(frozen=True, slots=True)
class HartOption:
    """One option of the contest on a ballot."""

    code: str
    """The option's ``Id``."""
    name: str | None
    write_in: bool
    """The option carries ``WriteInData``."""
    ranks: tuple[int, ...]
    """The ranks its ``Value`` marks."""


@dataclass(frozen=True, slots=True)
class HartBallot:
    """One ballot of the contest: the contest on one record file."""

    ballot_id: str
    """The record's ``CvrGuid``, as RCTab takes it."""
    precinct: str | None
    """``PrecinctSplit/Name``."""
    batch: str | None
    options: tuple[HartOption, ...]
    width: int
    """The longest ``Value``: how many ranks the ballot offers."""
    source: str


def hart_files(folder: Path) -> list[Path]:
    """The record files of ``folder`` (names ending in ``.xml``, any case), by name."""
    return sorted(
        (p for p in folder.iterdir() if p.name.lower().endswith(".xml") and p.is_file()),
        key=lambda p: p.name,
    )


def is_hart_export(path: Path) -> bool:
    """Whether ``path`` is a folder whose first XML file (by name) is a Hart ``<Cvr>``."""
    if not path.is_dir():
        return False
    files = hart_files(path)
    if not files:
        return False
    try:
        with files[0].open("rb") as handle:
            head = handle.read(_PROBE_BYTES)
    except OSError:
        return False
    root = _ROOT_TAG.search(head)
    return root is not None and root.group(1).rsplit(b":", 1)[-1] == b"Cvr"


def _record(path: Path) -> ET.Element:
    source = str(path)
    root = parsed(read_limited(path), source)
    if local(root.tag) != "Cvr":
        raise ParseError(
            f"expected a Hart cast-vote record (<Cvr>), found <{local(root.tag)}>", source=source
        )
    return root


def _option(element: ET.Element, where: str, source: str) -> tuple[HartOption, int]:
    """The option, and the length of its ``Value``."""
    code = text(element, "Id")
    if not code:
        raise ParseError(f"{where}: an Option without Id", source=source)
    value = text(element, "Value")
    if not value:
        raise ParseError(f"{where}: option {code} has no Value", source=source)
    if value.strip("01"):
        raise ParseError(
            f"{where}: option {code} has Value {value[:40]!r}; expected one digit 0 or 1 per rank",
            source=source,
        )
    if len(value) > MAX_RANKINGS:
        raise ParseError(
            f"{where}: option {code} has a Value of {len(value):,} ranks, more than the limit of "
            f"{MAX_RANKINGS:,}",
            source=source,
        )
    ranks = tuple(rank for rank, digit in enumerate(value, start=1) if digit == "1")
    name = text(element, "Name") or None
    return HartOption(code, name, child(element, "WriteInData") is not None, ranks), len(value)


def hart_ballots(folder: Path, contest_id: str) -> Iterator[HartBallot]:
    """Every ballot of the contest ``contest_id`` in the Hart records of ``folder``."""
    for path in hart_files(folder):
        source = str(path)
        root = _record(path)
        guid = text(root, "CvrGuid") or path.stem
        split = child(root, "PrecinctSplit")
        precinct = (text(split, "Name") or None) if split is not None else None
        for contest in children(child(root, "Contests"), "Contest"):
            if text(contest, "Id") != contest_id:
                continue
            where = f"ballot {guid}"
            options: list[HartOption] = []
            width = 0
            for element in children(child(contest, "Options"), "Option"):
                option, length = _option(element, where, source)
                if any(o.code == option.code for o in options):
                    raise ParseError(
                        f"{where}: option {option.code} is listed twice", source=source
                    )
                options.append(option)
                width = max(width, length)
            yield HartBallot(
                guid, precinct, text(root, "BatchNumber") or None, tuple(options), width, source
            )


def read_hart(
    folder: Path, contest_id: str | None, write_in_label: str | None, builder: BallotBuilder
) -> None:
    """Add every ballot of the contest in the Hart record folder ``folder`` to ``builder``."""
    if not folder.is_dir():
        raise ParseError(
            "not a folder (Hart cast-vote records are a folder of XML files, one per sheet)",
            source=str(folder),
        )
    files = hart_files(folder)
    if not files:
        raise ParseError(
            "no .xml file (expected a folder of Hart cast-vote records)", source=str(folder)
        )
    wanted = contest_id.strip() if contest_id else ""
    if not wanted:
        contests = [
            f"{text(c, 'Id')} {text(c, 'Name') or ''}".strip()
            for c in children(child(_record(files[0]), "Contests"), "Contest")
        ]
        raise ParseError(
            "name the contest by its Hart Id (--contest-id); the first record holds: "
            + ("; ".join(contests)[:300] or "no contest"),
            source=str(files[0]),
        )
    label = write_in_label.strip() if write_in_label else None
    by_name = not builder.declared
    owners: dict[str, str] = {}
    read = 0
    for ballot in hart_ballots(folder, wanted):
        builder.rank_columns = max(builder.rank_columns or 0, ballot.width)
        marks: list[tuple[int, int]] = []
        for option in ballot.options:
            if option.code == label or (by_name and option.write_in and option.name is None):
                candidate = builder.write_in_code()
            else:
                name = option.code
                if by_name and option.name is not None:
                    owner = owners.setdefault(option.name, option.code)
                    if owner != option.code:
                        raise ParseError(
                            f"ballot {ballot.ballot_id}: options {owner} and {option.code} are "
                            f"both named {option.name!r}; declare the candidates by code",
                            source=ballot.source,
                        )
                    name = option.name
                try:
                    candidate = builder.candidate(name, ballot.source, None)
                except ValidationError as error:
                    raise ValidationError(
                        f"ballot {ballot.ballot_id}: {error.message}", source=ballot.source
                    ) from None
            for rank in option.ranks:
                marks.append((rank, candidate))
        builder.add(ranking_of(marks), ballot.precinct, 1, ballot.source, 1)
        read += 1
    if not read:
        raise ParseError(
            f"no record holds contest {wanted} ({len(files)} files read)", source=str(folder)
        )
