"""Seeded synthetic ballots: a skewed preference over candidates, truncated rankings.

Used for the shipped demo sample and the benchmark. Voters draw a first choice with Zipf-like
weights, then further choices without replacement; how many rankings a voter marks is drawn too.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["generate_rankings", "write_ballots_csv"]


def generate_rankings(
    count: int, candidates: int, max_rankings: int, seed: int
) -> npt.NDArray[np.int16]:
    """``(count, max_rankings)`` candidate indexes, ``-1`` past a voter's last ranking."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, candidates + 1) ** 1.1
    # Gumbel-top-k: sampling without replacement with the skewed weights, all voters at once.
    keys = np.log(weights)[None, :] - np.log(-np.log(rng.random((count, candidates))))
    order = np.argsort(-keys, axis=1)[:, :max_rankings].astype(np.int16)
    lengths = rng.integers(1, max_rankings + 1, size=count)
    order[np.arange(max_rankings)[None, :] >= lengths[:, None]] = -1
    return order


def write_ballots_csv(path: Path, rankings: npt.NDArray[np.int16], names: Sequence[str]) -> None:
    """One row per ballot: ``ballot_id,rank1..rankN``."""
    width = rankings.shape[1]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ballot_id", *[f"rank{i}" for i in range(1, width + 1)]])
        labels = [*names, ""]
        for number, row in enumerate(rankings.tolist(), start=1):
            writer.writerow([number, *[labels[c] for c in row]])
