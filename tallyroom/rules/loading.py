"""Reading rules files (TOML) and the presets shipped with tallyroom, with validation.

A rules file::

    name = "portland-2004"                  # optional; defaults to the file's stem
    title = "Portland, Oregon (2004): majority or runoff"
    law = "The city charter's election provisions as in force in 2004"
    description = "..."                     # optional

    [primary]
    kind = "majority-runoff"                # plurality | top-two | majority-runoff
    threshold_percent = 50                  #   | partisan-primary | ranked-choice
    advance = 2

    [general]
    kind = "plurality"
    seats = 1

    [tie-break]                             # optional; method = "none" | "lot" | "random"
    method = "lot"
    order = ["First drawn", "Second drawn"]

    [applies]                               # optional: where and when a preset is the law
    city = "Portland"
    state = "Oregon"
    first_year = 1913                       # optional
    last_year = 2023                        # optional

A document's election is decided by the preset that :func:`preset_for` its city, state and year
finds (see :func:`tallyroom.rules.infer_rules`).

Every mistake is a :class:`~tallyroom.errors.ValidationError` naming the file, the line when it
can be found, the key, and what is allowed; a file that is not TOML is a
:class:`~tallyroom.errors.ParseError`.
"""

from __future__ import annotations

import functools
import re
import tomllib
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from tallyroom.errors import ParseError, ValidationError
from tallyroom.model import STAGE_KINDS, StageKind
from tallyroom.rules.types import (
    RULE_KINDS,
    TIE_BREAK_METHODS,
    RuleKind,
    RulesSpec,
    StageRule,
    TieBreak,
    TieBreakMethod,
)

__all__ = [
    "PRESETS_PACKAGE",
    "load_presets",
    "load_rules",
    "parse_rules",
    "preset_for",
    "preset_names",
]

PRESETS_PACKAGE = "tallyroom.rules.presets"

_TOP_KEYS = (
    "name",
    "title",
    "law",
    "description",
    "primary",
    "general",
    "runoff",
    "tie-break",
    "applies",
)
_TIE_KEYS = ("method", "order", "seed")
_APPLIES_KEYS = ("city", "state", "first_year", "last_year")

#: The keys each rule kind takes, besides ``kind``.
_RULE_KEYS: dict[RuleKind, tuple[str, ...]] = {
    "plurality": ("seats",),
    "top-two": ("advance",),
    "majority-runoff": ("threshold_percent", "threshold_inclusive", "advance"),
    "partisan-primary": ("seats",),
    "ranked-choice": ("seats",),
}

#: The rule kinds that fit each kind of stage.
STAGE_RULE_KINDS: dict[StageKind, tuple[RuleKind, ...]] = {
    "primary": RULE_KINDS,
    "general": ("plurality", "majority-runoff", "ranked-choice"),
    "runoff": ("plurality", "ranked-choice"),
}


@functools.cache
def preset_names() -> tuple[str, ...]:
    """The names of the presets shipped with tallyroom, sorted (read once: they ship with the
    package)."""
    folder = resources.files(PRESETS_PACKAGE)
    return tuple(
        sorted(
            item.name[: -len(".toml")] for item in folder.iterdir() if item.name.endswith(".toml")
        )
    )


@functools.cache
def _preset_places() -> tuple[tuple[str, str, str, int | None, int | None], ...]:
    """(name, city, state, first year, last year) of each preset that says where it applies."""
    places = []
    for name in preset_names():
        item = resources.files(PRESETS_PACKAGE) / f"{name}.toml"
        _load_preset(name)  # validated, [applies] included
        applies = tomllib.loads(item.read_text(encoding="utf-8")).get("applies")
        if applies:
            places.append(
                (
                    name,
                    applies["city"].casefold(),
                    applies["state"].casefold(),
                    applies.get("first_year"),
                    applies.get("last_year"),
                )
            )
    return tuple(places)


def load_presets() -> None:
    """Read and validate every preset now, rather than when an election first needs one (they
    are remembered: a process that starts others by forking reads them for all)."""
    _preset_places()


def preset_for(city: str | None, state: str | None, year: int | None) -> str | None:
    """The preset that is the law for ``city`` (in ``state``, when known) in ``year``: the one
    whose ``[applies]`` names the place and whose years hold ``year`` (every year, when ``year``
    is unknown and only one preset names the place); None when no preset does."""
    if not city:
        return None
    found = [
        (name, first, last)
        for name, place, region, first, last in _preset_places()
        if place == city.casefold() and (state is None or region == state.casefold())
    ]
    if year is None:
        return found[0][0] if len(found) == 1 else None
    for name, first, last in found:
        if (first is None or first <= year) and (last is None or year <= last):
            return name
    return None


def load_rules(name_or_path: str | Path) -> RulesSpec:
    """Load a preset by name (``"milwaukee"``) or a rules file by path.

    Both are read and validated once and then remembered (a :class:`RulesSpec` is immutable); a
    file is read again when its modification time or size changes.
    """
    text_name = str(name_or_path)
    if isinstance(name_or_path, str) and text_name in preset_names():
        return _load_preset(text_name)
    path = Path(name_or_path)
    try:
        status = path.stat()
    except OSError:
        status = None
    if status is None or not path.is_file():
        known = ", ".join(preset_names())
        raise ValidationError(
            f"no preset and no file of that name; presets are: {known}", source=text_name
        )
    return _load_file(text_name, path.resolve(), status.st_mtime_ns, status.st_size)


@functools.cache
def _load_preset(name: str) -> RulesSpec:
    item = resources.files(PRESETS_PACKAGE) / f"{name}.toml"
    return parse_rules(item.read_text(encoding="utf-8"), source=f"preset {name}", default_name=name)


@functools.lru_cache(maxsize=64)
def _load_file(source: str, path: Path, mtime_ns: int, size: int) -> RulesSpec:
    """A rules file, remembered under its path as given (errors name it), its resolved path and
    its modification time and size (a changed file is read again)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ParseError(f"cannot read the rules file: {error}", source=source) from None
    return parse_rules(text, source=source, default_name=Path(source).stem)


def parse_rules(text: str, source: str | None = None, default_name: str = "rules") -> RulesSpec:
    """Read the text of a rules file; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column \d+\)", str(error))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise ParseError(f"not a valid TOML file: {message}", source=source, line=line) from None
    return _Reader(text, source).spec(data, default_name)


class _Reader:
    def __init__(self, text: str, source: str | None) -> None:
        self.lines = text.splitlines()
        self.source = source

    def fail(self, key: str, message: str) -> ValidationError:
        return ValidationError(message, source=self.source, line=self.line_of(key), key=key)

    def line_of(self, key: str) -> int | None:
        """The line of ``table.key`` (or of ``[table]``, or a top-level key), when found."""
        table, _, name = key.rpartition(".")
        current = ""
        header_line = None
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", line)
            if header:
                current = header.group(1).strip().strip('"')
                if current == key:
                    header_line = number
                continue
            bare = re.match(r'"?([A-Za-z0-9_-]+)"?\s*=', line)
            if bare and bare.group(1) == name and current == table:
                return number
        return header_line

    def spec(self, data: dict[str, Any], default_name: str) -> RulesSpec:
        self.unknown_keys(data, _TOP_KEYS, "")
        name = self.text(data, "name", required=False) or default_name
        title = self.text(data, "title", required=True) or ""
        law = self.text(data, "law", required=True) or ""
        description = self.text(data, "description", required=False) or ""
        rules = {kind: self.stage_rule(data, kind) for kind in STAGE_KINDS}
        if all(rule is None for rule in rules.values()):
            raise ValidationError(
                "the file has no [primary], [general] or [runoff] table; at least one is needed",
                source=self.source,
            )
        self.applies(data.get("applies"))
        return RulesSpec(
            name=name,
            title=title,
            law=law,
            description=description,
            primary=rules["primary"],
            general=rules["general"],
            runoff=rules["runoff"],
            tie_break=self.tie_break(data.get("tie-break")),
            source=self.source,
        )

    def unknown_keys(self, table: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    f"{prefix}{key}", f"unknown key; allowed here: {', '.join(allowed)}"
                )

    def text(self, data: dict[str, Any], key: str, *, required: bool) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise ValidationError("missing; a string is required", source=self.source, key=key)
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, not {value!r}")
        return value.strip()

    def stage_rule(self, data: dict[str, Any], stage: StageKind) -> StageRule | None:
        table = data.get(stage)
        if table is None:
            return None
        if not isinstance(table, dict):
            raise self.fail(stage, "must be a table, e.g. [" + stage + "] with kind = ...")
        allowed_kinds = STAGE_RULE_KINDS[stage]
        kind = table.get("kind")
        if kind not in allowed_kinds:
            what = "missing" if kind is None else f"{kind!r} does not fit a {stage} stage"
            raise self.fail(f"{stage}.kind", f"{what}; allowed: {', '.join(allowed_kinds)}")
        assert kind in RULE_KINDS
        rule_kind: RuleKind = kind
        self.unknown_keys(table, ("kind", *_RULE_KEYS[rule_kind]), f"{stage}.")
        seats = self.count(table, stage, "seats", default=1)
        advance = self.count(table, stage, "advance", default=2)
        threshold = self.threshold(table, stage)
        inclusive = table.get("threshold_inclusive", False)
        if not isinstance(inclusive, bool):
            raise self.fail(f"{stage}.threshold_inclusive", "must be true or false")
        return StageRule(
            kind=rule_kind,
            seats=seats,
            advance=advance,
            threshold=threshold,
            threshold_inclusive=inclusive,
        )

    def count(self, table: dict[str, Any], stage: str, key: str, *, default: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(f"{stage}.{key}", f"must be a whole number of 1 or more, not {value!r}")
        return value

    def threshold(self, table: dict[str, Any], stage: str) -> Fraction:
        value = table.get("threshold_percent", 50)
        key = f"{stage}.threshold_percent"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number of percent, e.g. 50, not {value!r}")
        percent = Fraction(Decimal(str(value)))
        if not 0 < percent < 100:
            raise self.fail(key, f"must be more than 0 and less than 100 (percent), not {value!r}")
        return percent / 100

    def applies(self, table: Any) -> None:
        """Check an ``[applies]`` table: a city and a state, maybe a first and a last year."""
        if table is None:
            return
        if not isinstance(table, dict):
            raise self.fail("applies", "must be a table: [applies] with city = ... and state = ...")
        self.unknown_keys(table, _APPLIES_KEYS, "applies.")
        for key in ("city", "state"):
            value = table.get(key)
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"applies.{key}", f"must be a non-empty string, not {value!r}")
        years = []
        for key in ("first_year", "last_year"):
            value = table.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1700 <= value <= 9999:
                raise self.fail(f"applies.{key}", f"must be a year, e.g. 2004, not {value!r}")
            years.append(value)
        if len(years) == 2 and years[0] > years[1]:
            raise self.fail("applies.last_year", "must not be before first_year")

    def tie_break(self, table: Any) -> TieBreak:
        if table is None:
            return TieBreak()
        if not isinstance(table, dict):
            raise self.fail("tie-break", "must be a table: [tie-break] with method = ...")
        self.unknown_keys(table, _TIE_KEYS, "tie-break.")
        method = table.get("method", "none")
        if method not in TIE_BREAK_METHODS:
            raise self.fail(
                "tie-break.method",
                f"{method!r} is not allowed; allowed: {', '.join(TIE_BREAK_METHODS)}",
            )
        chosen: TieBreakMethod = method
        order = table.get("order", [])
        if not isinstance(order, list) or not all(isinstance(n, str) and n.strip() for n in order):
            raise self.fail("tie-break.order", "must be a list of candidates' names")
        if len({n.strip() for n in order}) != len(order):
            raise self.fail("tie-break.order", "names a candidate twice")
        seed = table.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise self.fail("tie-break.seed", f"must be a whole number, not {seed!r}")
        match chosen:
            case "lot":
                if not order:
                    raise self.fail(
                        "tie-break.order", "a lot needs the order drawn: a list of names"
                    )
                if seed is not None:
                    raise self.fail("tie-break.seed", "only a random draw takes a seed")
            case "random":
                if seed is None:
                    raise self.fail(
                        "tie-break.seed", "a random draw needs a seed, to be reproducible"
                    )
                if order:
                    raise self.fail("tie-break.order", "only a lot takes an order")
            case "none":
                if order or seed is not None:
                    raise self.fail(
                        "tie-break.method", "set to 'lot' or 'random' to use order or seed"
                    )
        return TieBreak(method=chosen, order=tuple(n.strip() for n in order), seed=seed)
