"""What each page of the website shows, as typed records made only from stored read records.

Every builder here takes what :class:`~tallyroom.store.Store` returns (an
:class:`~tallyroom.store.ElectionRecord`, :class:`~tallyroom.store.ElectionSummary` rows, the
facets) and arranges it for a page: links, labels, markers for figures that need a word of
explanation. Nothing is decided or counted again: winners, ties, statuses, shares and totals are
the stored :class:`~tallyroom.figures.ElectionFigures`, and an election page carries them whole
under ``figures``. A page's JSON twin is its view serialised by
:func:`tallyroom.store.codec.to_json`.
"""

from __future__ import annotations

from tallyroom.views.colours import party_colour
from tallyroom.views.election import (
    ORDERS,
    ClaimView,
    CompareLink,
    ElectionView,
    FindingView,
    Order,
    OutcomeView,
    RowView,
    StageView,
    TotalView,
    election_view,
)
from tallyroom.views.links import (
    FINDINGS_NOTE,
    INFOBOX_MARKER,
    INFOBOX_NOTE,
    TOTAL_MARKER,
    candidate_slug,
    candidate_url,
    city_slug,
    city_url,
    compare_url,
    election_url,
    slug,
    source_url,
)
from tallyroom.views.lists import (
    CandidateRun,
    CandidateStage,
    CandidateView,
    CityFacet,
    CityRow,
    CityView,
    Facets,
    IndexFilters,
    IndexView,
    ListedElection,
    PlacesView,
    YearFacet,
    candidate_view,
    city_view,
    facets_of,
    facets_view,
    index_url,
    index_view,
    listed,
    places_url,
    places_view,
)
from tallyroom.views.source import (
    ComparedElection,
    CompareView,
    SourceLine,
    SourceView,
    compare_view,
    source_view,
)

__all__ = [
    "FINDINGS_NOTE",
    "INFOBOX_MARKER",
    "INFOBOX_NOTE",
    "ORDERS",
    "TOTAL_MARKER",
    "CandidateRun",
    "CandidateStage",
    "CandidateView",
    "CityFacet",
    "CityRow",
    "CityView",
    "ClaimView",
    "CompareLink",
    "CompareView",
    "ComparedElection",
    "ElectionView",
    "Facets",
    "FindingView",
    "IndexFilters",
    "IndexView",
    "ListedElection",
    "Order",
    "OutcomeView",
    "PlacesView",
    "RowView",
    "SourceLine",
    "SourceView",
    "StageView",
    "TotalView",
    "YearFacet",
    "candidate_slug",
    "candidate_url",
    "candidate_view",
    "city_slug",
    "city_url",
    "city_view",
    "compare_url",
    "compare_view",
    "election_url",
    "election_view",
    "facets_of",
    "facets_view",
    "index_url",
    "index_view",
    "listed",
    "party_colour",
    "places_url",
    "places_view",
    "slug",
    "source_url",
    "source_view",
]
