"""The infobox's candidate columns, read from its indexed keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from tallyroom.evidence import _indexed_key, infobox_columns
from tallyroom.formats.article import parse_article

ARTICLES = Path(__file__).resolve().parent / "data" / "articles"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("Candidate1", ("candidate", 1)),
        ("Popular Vote2", ("popular vote", 2)),
        ("popular  vote 12", ("popular vote", 12)),
        ("Percentage3", ("percentage", 3)),
        ("Party", None),
        ("Image-1", None),
        ("1", None),
    ],
)
def test_an_indexed_key_gives_its_base_and_index(
    key: str, expected: tuple[str, int] | None
) -> None:
    assert _indexed_key(key) == expected


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.txt")), ids=lambda p: p.stem)
def test_each_column_is_the_infobox_fields_of_its_index(path: Path) -> None:
    election = parse_article(path.read_text(encoding="utf-8"), source=path.name)
    columns = infobox_columns(election)
    assert [c.index for c in columns] == sorted({c.index for c in columns})
    by_key = {item.key: item for item in election.infobox}
    for column in columns:
        if column.name_key is None:  # read from the nominees: no raw infobox
            continue
        assert by_key[column.name_key].value == column.name
        assert column.name_key.endswith(str(column.index))
        if column.votes_key is not None:
            assert by_key[column.votes_key].value == column.votes_raw
            assert column.votes_key.endswith(str(column.index))
