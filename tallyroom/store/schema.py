"""The database schema: one set of tables for SQLite and PostgreSQL, with real constraints.

An *election* is an identity (jurisdiction, office and election year, :data:`elections`); every
import that changes it adds a *version* (:data:`versions`) holding the whole model at that time,
so old versions stay readable. Every table below a version is keyed by
``(version_id, position...)``: positions keep the model's order, and the composite keys make a
duplicated row impossible.

Figures are integers (``votes >= 0`` by CHECK constraints; a precinct file's unit figures, kept as
columns, by :func:`tallyroom.limits.check_storable` before they are written); ``NULL`` means
unknown. Decimal figures that a source *states* (a turnout, a percentage, a ranked-choice tally with
fractional transfers) are stored as their exact decimal text, never as floats. Kinds are checked
against the model's ``Literal`` values. The raw text of every imported source is kept in
:data:`sources` with its SHA-256 (a long one in pieces: :data:`source_pieces`). :data:`audit` and
:data:`import_attempts` are append-only, and a published version, its results and its sources
(``versions``, ``version_figures``, ``stages``, ``stage_results``, ``stage_units``,
``unit_figures``, ``findings``, ``sources``, ``source_pieces``) are immutable: the migrations add
triggers that refuse UPDATE and DELETE on them. Only ``elections.current_version`` (and the title
shown with it) moves.

Columns marked *derived* (``year``, ``deciding_stage``, ``winner``, ``margin_votes``,
``people``, ``incumbents_ran``, ...) are indexes computed from the stored figures at import, for
queries across elections; the figures themselves remain the truth.
"""

from __future__ import annotations

import sqlalchemy as sa

from tallyroom.limits import MAX_NAME_CHARS, MAX_SHORT_CHARS

__all__ = [
    "FIGURE_BLOCK",
    "SEARCH_TABLES",
    "TRIGRAM_INDEXES",
    "account_audit",
    "audit",
    "candidates",
    "current_totals",
    "declarations",
    "elections",
    "findings",
    "import_attempts",
    "infobox_fields",
    "metadata",
    "nominees",
    "outline",
    "paragraphs",
    "parties",
    "place_counts",
    "returns_audit",
    "round_inactive",
    "round_tallies",
    "round_transfers",
    "rounds",
    "sessions",
    "source_pieces",
    "sources",
    "stage_results",
    "stage_units",
    "stages",
    "unit_figures",
    "unit_returns",
    "user_elections",
    "users",
    "version_figures",
    "versions",
    "versions_search",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

# Longest texts we accept in bounded columns (the limits of tallyroom.limits, which refuses
# longer input before it reaches the database); article text and paragraphs are unbounded.
NAME = MAX_NAME_CHARS
SHORT = MAX_SHORT_CHARS


def _kind_check(column: str, kinds: tuple[str, ...], name: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


def _non_negative(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} >= 0", name=f"{column}_non_negative")


def _version_fk() -> sa.Column[int]:
    return sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        primary_key=True,
    )


sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sha256", sa.String(SHORT), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("imported_by", sa.String(NAME), nullable=False),
    sa.CheckConstraint("size >= 0", name="size_non_negative"),
    sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
)

#: The rest of a long source's text (see :data:`sources`): its pieces after the first, numbered
#: from 1 in order. The text is ``sources.text`` followed by them (migration 0013).
source_pieces = sa.Table(
    "source_pieces",
    metadata,
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.CheckConstraint("number >= 1", name="number_positive"),
)

parties = sa.Table(
    "parties",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(NAME), nullable=False, unique=True),
)

elections = sa.Table(
    "elections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(NAME), nullable=False, unique=True),
    sa.Column("title", sa.String(NAME), nullable=False),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("current_version >= 1", name="current_version_positive"),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "election_id",
        sa.Integer,
        sa.ForeignKey("elections.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), nullable=False),
    sa.Column("fingerprint", sa.String(SHORT), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("imported_by", sa.String(NAME), nullable=False),
    # The model's Election fields.
    sa.Column("title", sa.String(NAME), nullable=False),
    sa.Column("city", sa.String(NAME)),
    sa.Column("state", sa.String(NAME)),
    sa.Column("office", sa.String(NAME)),
    sa.Column("date", sa.Date),
    sa.Column("type", sa.String(NAME)),
    sa.Column("term", sa.String(NAME)),
    sa.Column("previous_election", sa.String(NAME)),
    sa.Column("previous_year", sa.Integer),
    sa.Column("next_election", sa.String(NAME)),
    sa.Column("next_year", sa.Integer),
    sa.Column("before_holder", sa.String(NAME)),
    sa.Column("before_acting", sa.Boolean, nullable=False),
    sa.Column("before_party", sa.String(NAME)),
    sa.Column("after_holder", sa.String(NAME)),
    sa.Column("after_party", sa.String(NAME)),
    sa.Column("stated_turnout", sa.String(SHORT)),
    sa.Column("registered_voters", sa.Integer),
    sa.Column("rules", sa.String(NAME)),
    # Derived indexes for queries across elections.
    sa.Column("year", sa.Integer),
    sa.Column("deciding_stage", sa.Integer),
    sa.Column("winner", sa.String(NAME)),
    sa.Column("margin_votes", sa.Integer),
    sa.Column("counted_total", sa.Integer),
    # Added by migration 0002: search and statistics without scanning every result row.
    sa.Column("people", sa.Text, nullable=False, server_default=""),
    sa.Column("incumbents_ran", sa.Integer, nullable=False, server_default="0"),
    sa.Column("incumbents_won", sa.Integer, nullable=False, server_default="0"),
    sa.Column("decided_in", sa.String(16)),
    # Added by migration 0003.
    sa.Column("parties", sa.Text, nullable=False, server_default=""),
    sa.Column("turnout_ballots", sa.Integer),
    sa.Column("turnout_registered", sa.Integer),
    # Added by migration 0005: the winner's share and the outcome as decided at import (the
    # whole figures are in version_figures), what the version is judged by, and the date it
    # sorts by.
    sa.Column("winner_percent", sa.String(SHORT)),
    sa.Column("outcome", sa.String(16)),
    sa.Column("error_findings", sa.Integer, nullable=False, server_default="0"),
    sa.Column("figure_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("decided_on", sa.Date),
    # Added by migration 0009: the office's district (Election.district).
    sa.Column("district", sa.String(NAME)),
    sa.UniqueConstraint("election_id", "number", name="uq_versions_election_number"),
    sa.CheckConstraint("number >= 1", name="number_positive"),
    _non_negative("registered_voters"),
    _non_negative("margin_votes"),
    _non_negative("counted_total"),
    sa.CheckConstraint("length(fingerprint) = 64", name="fingerprint_length"),
    sa.CheckConstraint(
        "incumbents_won >= 0 AND incumbents_won <= incumbents_ran", name="incumbents_won_range"
    ),
    sa.CheckConstraint("decided_in IN ('primary', 'general', 'runoff')", name="decided_in_known"),
    _non_negative("turnout_ballots"),
    _non_negative("turnout_registered"),
    sa.Index("ix_versions_year", "year"),
)
# Added by migration 0008: the index's filters compare case-folded values (city, state, office,
# rules), so each has an index on the expression it compares.
for _column in ("city", "state", "office", "rules"):
    sa.Index(f"ix_versions_lower_{_column}", sa.func.lower(versions.c[_column]))
# Added by migration 0010: the index's order (newest first, unknown years and dates last), so a
# page of a long list is read in order instead of sorting every match.
sa.Index(
    "ix_versions_newest",
    versions.c.year.desc().nulls_last(),
    versions.c.decided_on.desc().nulls_last(),
    versions.c.title,
    versions.c.election_id,
)
# Added by migration 0010: every current version's place, year, office and turnout figures read
# from the index alone (the index's lists by city, year and office count them; ``stats`` sums
# turnout by city and year).
sa.Index(
    "ix_versions_places",
    versions.c.city,
    versions.c.state,
    versions.c.year,
    versions.c.office,
    versions.c.election_id,
    versions.c.number,
    versions.c.turnout_ballots,
    versions.c.turnout_registered,
    versions.c.stated_turnout,
)
#: Added by migration 0010, for the text filters (part of a title, a city or a name), outside
#: this metadata because SQLAlchemy cannot describe them. SQLite: ``versions_search``, an FTS5
#: table (trigram tokenizer, no copy of the text) over each version's title, city and people,
#: filled by the writer with every new version (migration 0015; a trigger did it before); the
#: other names are the tables FTS5 keeps it in. PostgreSQL: GIN trigram indexes (pg_trgm, when
#: it can be installed) on ``lower(title)``, ``lower(city)`` and ``lower(people)``, named in
#: :data:`TRIGRAM_INDEXES`.
SEARCH_TABLES = (
    "versions_search",
    "versions_search_config",
    "versions_search_data",
    "versions_search_docsize",
    "versions_search_idx",
)
TRIGRAM_INDEXES = tuple(f"ix_versions_trgm_{column}" for column in ("title", "city", "people"))
#: The columns the writer fills of SQLite's ``versions_search`` (``rowid``: the version's id), as
#: a table of its own metadata: the schema's metadata cannot describe an FTS5 table.
versions_search = sa.Table(
    "versions_search",
    sa.MetaData(),
    sa.Column("rowid", sa.Integer),
    sa.Column("title", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("people", sa.Text),
)

# Added by migration 0011: sums over the current versions that ``stats`` reads instead of
# adding up every version (one row), and the number of current elections of each place (most
# first). Kept by triggers on ``versions`` (a new current version) and ``elections`` (the
# current version moves); see the migration. Derived like the columns above: the versions
# remain the truth.
current_totals = sa.Table(
    "current_totals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("incumbents_ran", sa.Integer, nullable=False),
    sa.Column("incumbents_won", sa.Integer, nullable=False),
    sa.Column("incumbents_unknown", sa.Integer, nullable=False),
    sa.Column("margins", sa.Integer, nullable=False),
    sa.Column("margin_shares", sa.BigInteger, nullable=False),
    sa.Column("decided_primary", sa.Integer, nullable=False),
    sa.Column("decided_general", sa.Integer, nullable=False),
    sa.Column("decided_runoff", sa.Integer, nullable=False),
    sa.Column("decided_none", sa.Integer, nullable=False),
    sa.CheckConstraint("id = 1", name="one_row"),
)
place_counts = sa.Table(
    "place_counts",
    metadata,
    sa.Column("city", sa.String(NAME), nullable=False),
    sa.Column("state", sa.String(NAME)),
    sa.Column("elections", sa.Integer, nullable=False),
    sa.CheckConstraint("elections >= 0", name="elections_non_negative"),
    sa.Index("ix_place_counts_place", "city", "state", unique=True),
)
sa.Index(
    "ix_place_counts_most",
    place_counts.c.elections.desc(),
    place_counts.c.city,
    place_counts.c.state,
)

# Added by migration 0005, replacing the table of rule outcomes: what was decided for each
# version, once, at import — the figures every output shows (JSON of
# tallyroom.figures.ElectionFigures, each stage's decision included) and the rules it was
# decided under (JSON, with a note when none applied). Kept apart from ``versions`` so that the
# rows queries scan across elections stay small.
version_figures = sa.Table(
    "version_figures",
    metadata,
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("figures", sa.Text, nullable=False),
    sa.Column("rules", sa.Text, nullable=False),
)

STAGE_KINDS = ("primary", "general", "runoff")
RESULTS_STATUSES = ("unofficial", "complete", "certified")
DATE_SOURCES = ("caption", "infobox", "prose")
UNIT_KINDS = ("city", "ward", "precinct", "district", "county", "other")

stages = sa.Table(
    "stages",
    metadata,
    _version_fk(),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("party", sa.String(NAME)),
    sa.Column("date", sa.Date),
    sa.Column("caption", sa.Text),
    sa.Column("section", sa.Text, nullable=False),
    sa.Column("stated_total", sa.Integer),
    sa.Column("result", sa.Text),
    sa.Column("registered_voters", sa.Integer),
    sa.Column("ballots_cast", sa.Integer),
    sa.Column("status", sa.String(16)),
    sa.Column("date_source", sa.String(16)),
    sa.Column("caption_line", sa.Integer),
    sa.Column("total_line", sa.Integer),
    # Added by migration 0005: the source this stage was read from (a version may combine the
    # stages of several sources, e.g. a primary's and a general's precinct files).
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
    _kind_check("kind", STAGE_KINDS, "kind_known"),
    _kind_check("status", RESULTS_STATUSES, "status_known"),
    _kind_check("date_source", DATE_SOURCES, "date_source_known"),
    _non_negative("stated_total"),
    _non_negative("registered_voters"),
    _non_negative("ballots_cast"),
    sa.CheckConstraint("position >= 0", name="position_non_negative"),
)

stage_results = sa.Table(
    "stage_results",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(NAME), nullable=False),
    sa.Column("name_key", sa.String(NAME), nullable=False),
    sa.Column("votes", sa.Integer),
    sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id")),
    sa.Column("incumbent", sa.Boolean, nullable=False),
    sa.Column("write_in", sa.Boolean, nullable=False),
    sa.Column("line", sa.Integer),
    sa.ForeignKeyConstraint(
        ["version_id", "stage"],
        ["stages.version_id", "stages.position"],
        ondelete="CASCADE",
        name="fk_stage_results_stage_stages",
    ),
    _non_negative("votes"),
    sa.CheckConstraint("position >= 0", name="position_non_negative"),
)

# A stage's reporting units (city, wards, precincts: fifteen thousand in a statewide file) as
# one row (migration 0017): ``units`` is a JSON array of ``[id, name, kind, parent]`` in the
# stage's order (``store.rows`` writes and reads it); ``count`` is its length. A row per unit
# took a statewide file's import 1.2 CPU-s for 217,000 units. Never changed once stored.
stage_units = sa.Table(
    "stage_units",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("units", sa.Text, nullable=False),
    sa.ForeignKeyConstraint(
        ["version_id", "stage"],
        ["stages.version_id", "stages.position"],
        ondelete="CASCADE",
        name="fk_stage_units_stage_stages",
    ),
    sa.CheckConstraint("count > 0", name="count_positive"),
)

#: Figures a row of :data:`unit_figures` holds at most (a stage with more has more rows).
FIGURE_BLOCK = 1 << 20

# A stage's unit figures (a precinct file's: a figure per reporting unit, candidate and vote
# type, millions in a statewide file) as columns (migration 0016): a row holds up to
# FIGURE_BLOCK figures in their order, with the names they use (JSON arrays, in the order the
# figures first use them) and, per figure, its unit's, candidate's and vote type's number among
# those names and its votes, each column an array of little-endian integers
# (``store.unit_blocks`` says how). Reading a stage's figures reads a row per block, not a row
# per figure. The rows of a published version are never changed (triggers, as on the other
# published tables).
unit_figures = sa.Table(
    "unit_figures",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("block", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("figures", sa.Integer, nullable=False),
    sa.Column("units", sa.Text, nullable=False),
    sa.Column("candidates", sa.Text, nullable=False),
    sa.Column("vote_types", sa.Text, nullable=False),
    sa.Column("unit_codes", sa.LargeBinary, nullable=False),
    sa.Column("candidate_codes", sa.LargeBinary, nullable=False),
    sa.Column("type_codes", sa.LargeBinary, nullable=False),
    sa.Column("votes", sa.LargeBinary, nullable=False),
    sa.ForeignKeyConstraint(
        ["version_id", "stage"],
        ["stages.version_id", "stages.position"],
        ondelete="CASCADE",
        name="fk_unit_figures_stage_stages",
    ),
    sa.CheckConstraint("block >= 0", name="block_non_negative"),
    sa.CheckConstraint(f"figures > 0 AND figures <= {FIGURE_BLOCK}", name="figures_in_block"),
)

rounds = sa.Table(
    "rounds",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("elected", sa.Text, nullable=False),
    sa.Column("eliminated", sa.Text, nullable=False),
    sa.Column("inactive", sa.String(SHORT), nullable=False),
    # Added by migration 0004; NULL when the source does not report a threshold.
    sa.Column("threshold", sa.String(SHORT)),
    sa.ForeignKeyConstraint(
        ["version_id", "stage"],
        ["stages.version_id", "stages.position"],
        ondelete="CASCADE",
        name="fk_rounds_stage_stages",
    ),
    sa.CheckConstraint("number >= 1", name="number_positive"),
)

round_tallies = sa.Table(
    "round_tallies",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("candidate", sa.String(NAME), nullable=False),
    sa.Column("votes", sa.String(SHORT), nullable=False),
    sa.ForeignKeyConstraint(
        ["version_id", "stage", "round"],
        ["rounds.version_id", "rounds.stage", "rounds.number"],
        ondelete="CASCADE",
        name="fk_round_tallies_round_rounds",
    ),
)

INACTIVE_REASONS = ("exhausted", "overvote", "skipped", "repeated", "undervote")


def _round_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["version_id", "stage", "round"],
        ["rounds.version_id", "rounds.stage", "rounds.number"],
        ondelete="CASCADE",
        name=f"fk_{table}_round_rounds",
    )


# Added by migration 0004: a round's inactive ballots by reason (no rows: not reported) ...
round_inactive = sa.Table(
    "round_inactive",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("reason", sa.String(16), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("votes", sa.String(SHORT), nullable=False),
    _round_fk("round_inactive"),
    _kind_check("reason", INACTIVE_REASONS, "reason_known"),
)

# ... and the votes it moved, from a candidate to a candidate or to "exhausted".
round_transfers = sa.Table(
    "round_transfers",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("source", sa.String(NAME), nullable=False),
    sa.Column("target", sa.String(NAME), nullable=False),
    sa.Column("votes", sa.String(SHORT), nullable=False),
    _round_fk("round_transfers"),
)


def _document_table(name: str, *columns: sa.Column[object]) -> sa.Table:
    """A list of the election's document parts, in order."""
    return sa.Table(
        name,
        metadata,
        _version_fk(),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        *columns,
        sa.CheckConstraint("position >= 0", name="position_non_negative"),
    )


candidates = _document_table(
    "candidates",
    sa.Column("name", sa.String(NAME), nullable=False),
    sa.Column("nickname", sa.String(NAME)),
    sa.Column("description", sa.Text),
    sa.Column("section", sa.Text, nullable=False),
    sa.Column("line", sa.Integer),
)

nominees = _document_table(
    "nominees",
    sa.Column("name", sa.String(NAME), nullable=False),
    sa.Column("party", sa.String(NAME)),
    sa.Column("votes", sa.Integer, sa.CheckConstraint("votes >= 0", name="votes_non_negative")),
    sa.Column("stated_percentage", sa.String(SHORT)),
)

paragraphs = _document_table(
    "paragraphs",
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("section", sa.Text, nullable=False),
    sa.Column("line", sa.Integer),
)

outline = _document_table(
    "outline",
    sa.Column("section", sa.Text, nullable=False),
)

infobox_fields = _document_table(
    "infobox_fields",
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("line", sa.Integer),
)

findings = _document_table(
    "findings",
    sa.Column("code", sa.String(SHORT), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)


#: ``created``: the first version; ``changed``: a new version made current; ``kept``: a new
#: version stored but not made current (it is worse than the current one); ``replaced``: a
#: version made current by the user's ``--replace``; ``reverted``: made current again by
#: ``tallyroom revert``; ``corrected``: a new current version of a certified election, made by
#: ``import --correction REASON``.
AUDIT_ACTIONS = ("created", "changed", "kept", "replaced", "reverted", "corrected")

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "election_id",
        sa.Integer,
        sa.ForeignKey("elections.id"),
        nullable=False,
    ),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by", sa.String(NAME), nullable=False),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), nullable=False),
    sa.Column("changes", sa.Text, nullable=False),
    _kind_check("action", AUDIT_ACTIONS, "action_known"),
    sa.CheckConstraint("version >= 1", name="version_positive"),
    sa.Index("ix_audit_election_id", "election_id"),
)


#: What an import did with one file (:class:`tallyroom.service.FileOutcome`).
ATTEMPT_OUTCOMES = ("stored", "unchanged", "refused")

# Added by migration 0006: every file an import tried, whatever came of it. ``actor`` is who
# the import was made for (``--actor``), beside the operating-system user and host it ran as;
# ``elections`` the identities the file holds, one a line (NULL when it could not be read);
# ``reason`` why it was refused.
import_attempts = sa.Table(
    "import_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(NAME), nullable=False),
    sa.Column("os_user", sa.String(NAME), nullable=False),
    sa.Column("host", sa.String(NAME), nullable=False),
    sa.Column("source", sa.String(NAME), nullable=False),
    sa.Column("sha256", sa.String(64)),
    sa.Column("elections", sa.Text),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text),
    _kind_check("outcome", ATTEMPT_OUTCOMES, "outcome_known"),
)


# Added by migration 0007: election night. Accounts (a public reader has none), the elections a
# clerk may enter returns for, server-side sessions (only a SHA-256 of the session token is
# kept), the declared elections with their status (NIST SP 1500-100's names), the returns as
# entered per stage, unit and candidate, and two append-only trails: every accepted change to
# the returns or the status, and every change to the accounts.

#: What an account may do: ``clerk`` enters returns for the elections assigned to it,
#: ``certifier`` certifies, ``admin`` declares elections and manages accounts.
ROLES = ("clerk", "certifier", "admin")
#: The status of a declared election's results (NIST SP 1500-100).
NIGHT_STATUSES = (
    "unofficial-partial",
    "unofficial-complete",
    "certified",
    "correction",
    "recount",
)
#: What one record of :data:`returns_audit` did.
RETURNS_ACTIONS = ("declared", "entered", "uploaded", "certified", "correction", "recount")
#: What one record of :data:`account_audit` did.
ACCOUNT_ACTIONS = ("added", "disabled", "assigned", "password")

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(NAME), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(NAME), nullable=False),
    _kind_check("role", ROLES, "role_known"),
)

user_elections = sa.Table(
    "user_elections",
    metadata,
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("election_key", sa.String(NAME), primary_key=True),
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("assigned_by", sa.String(NAME), nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("csrf_token", sa.String(SHORT), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("length(token_hash) = 64", name="token_hash_length"),
)

declarations = sa.Table(
    "declarations",
    metadata,
    sa.Column("key", sa.String(NAME), primary_key=True),
    sa.Column("declaration", sa.Text, nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("declared_by", sa.String(NAME), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(NAME), nullable=False),
    _kind_check("status", NIGHT_STATUSES, "status_known"),
    sa.CheckConstraint("revision >= 1", name="revision_positive"),
)

unit_returns = sa.Table(
    "unit_returns",
    metadata,
    sa.Column(
        "election_key",
        sa.String(NAME),
        sa.ForeignKey("declarations.key", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("stage", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("unit", sa.String(NAME), primary_key=True),
    sa.Column("candidate", sa.String(NAME), primary_key=True),
    sa.Column("votes", sa.Integer, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(NAME), nullable=False),
    _non_negative("votes"),
    sa.CheckConstraint("revision >= 1", name="revision_positive"),
)

returns_audit = sa.Table(
    "returns_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by", sa.String(NAME), nullable=False),
    sa.Column("election_key", sa.String(NAME), nullable=False),
    sa.Column("stage", sa.Integer),
    sa.Column("unit", sa.String(NAME)),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("old", sa.Text),
    sa.Column("new", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("file_sha256", sa.String(64)),
    sa.Column("revision", sa.Integer, nullable=False),
    _kind_check("action", RETURNS_ACTIONS, "action_known"),
    sa.Index("ix_returns_audit_election_key", "election_key"),
)

account_audit = sa.Table(
    "account_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by", sa.String(NAME), nullable=False),
    sa.Column("user_name", sa.String(NAME), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text),
    _kind_check("action", ACCOUNT_ACTIONS, "action_known"),
)
