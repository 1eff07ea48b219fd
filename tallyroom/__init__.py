"""tallyroom: municipal election results — read, tabulate, check, store and publish.

The public API is what ``__all__`` lists; ``tests/test_api.py`` keeps the list complete. The
names are imported on first use, so that a command that needs only one part of tallyroom (the
ranked-choice count, say) does not pay for reading every format at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tallyroom.lazy import exports

if TYPE_CHECKING:
    from tallyroom.errors import (
        AuthError,
        ConversionError,
        InputError,
        NotFoundError,
        ParseError,
        PermissionDenied,
        StaleEdit,
        StorageError,
        TabulationError,
        TallyroomError,
        TieUnbrokenError,
        ValidationError,
    )
    from tallyroom.formats import read_path, read_text
    from tallyroom.formats.article import parse_article, read_article
    from tallyroom.formats.article_writer import render_article
    from tallyroom.model import (
        Candidate,
        CandidateResult,
        Election,
        InfoboxCandidate,
        InfoboxField,
        Jurisdiction,
        Paragraph,
        ReportingUnit,
        Round,
        Stage,
        StageDecision,
        Transfer,
        UnitResult,
        UnitResults,
        UnitResultsBuilder,
        Unread,
    )

__version__ = "0.1.0"

__all__ = [
    "AuthError",
    "Candidate",
    "CandidateResult",
    "ConversionError",
    "Election",
    "InfoboxCandidate",
    "InfoboxField",
    "InputError",
    "Jurisdiction",
    "NotFoundError",
    "Paragraph",
    "ParseError",
    "PermissionDenied",
    "ReportingUnit",
    "Round",
    "Stage",
    "StageDecision",
    "StaleEdit",
    "StorageError",
    "TabulationError",
    "TallyroomError",
    "TieUnbrokenError",
    "Transfer",
    "UnitResult",
    "UnitResults",
    "UnitResultsBuilder",
    "Unread",
    "ValidationError",
    "__version__",
    "parse_article",
    "read_article",
    "read_path",
    "read_text",
    "render_article",
]

#: Where each public name is defined (imported from there on first use).
_HOMES = {
    **dict.fromkeys(
        (
            "AuthError",
            "ConversionError",
            "InputError",
            "NotFoundError",
            "ParseError",
            "PermissionDenied",
            "StaleEdit",
            "StorageError",
            "TabulationError",
            "TallyroomError",
            "TieUnbrokenError",
            "ValidationError",
        ),
        "tallyroom.errors",
    ),
    **dict.fromkeys(("read_path", "read_text"), "tallyroom.formats"),
    **dict.fromkeys(("parse_article", "read_article"), "tallyroom.formats.article"),
    "render_article": "tallyroom.formats.article_writer",
    **dict.fromkeys(
        (
            "Candidate",
            "CandidateResult",
            "Election",
            "InfoboxCandidate",
            "InfoboxField",
            "Jurisdiction",
            "Paragraph",
            "ReportingUnit",
            "Round",
            "Stage",
            "StageDecision",
            "Transfer",
            "UnitResult",
            "UnitResults",
            "UnitResultsBuilder",
            "Unread",
        ),
        "tallyroom.model",
    ),
}


__getattr__, __dir__ = exports(__name__, __all__, _HOMES)
