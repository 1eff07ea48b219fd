"""tallyroom: municipal election results — read, tabulate, check, store and publish.

The public API is what ``__all__`` lists; ``tests/test_api.py`` keeps the list complete.
"""

from __future__ import annotations

from tallyroom.errors import (
    ConversionError,
    InputError,
    NotFoundError,
    ParseError,
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
)

__version__ = "0.1.0"

__all__ = [
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
    "ReportingUnit",
    "Round",
    "Stage",
    "StageDecision",
    "StorageError",
    "TabulationError",
    "TallyroomError",
    "TieUnbrokenError",
    "Transfer",
    "UnitResult",
    "ValidationError",
    "__version__",
    "parse_article",
    "read_article",
    "read_path",
    "read_text",
    "render_article",
]
