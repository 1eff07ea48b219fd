"""Benchmark: checking 10,000 articles against parsing them (the target: at most twice).

Articles are the package's samples and the checks' test documents, cycled, each varied by its
title so no two texts are equal. Run: ``.venv/bin/python bench/check.py [N]``.
"""

from __future__ import annotations

import sys
import time
from importlib import resources
from pathlib import Path

from tallyroom.checks import run_checks
from tallyroom.formats.article import parse_article

ROOT = Path(__file__).resolve().parents[1]


def _texts() -> list[str]:
    folder = resources.files("tallyroom") / "data" / "samples"
    texts = [p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".txt")]
    texts += [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests/data/checks").glob("*.txt"))
    ]
    return texts


def main(count: int = 10_000) -> None:
    base = _texts()
    texts = []
    for i in range(count):
        text = base[i % len(base)]
        title_end = text.index("=", 1)
        texts.append(f"{text[:title_end].rstrip()} {i} {text[title_end:]}")
    start = time.perf_counter()
    elections = [parse_article(text, source=f"article-{i}.txt") for i, text in enumerate(texts)]
    parsed = time.perf_counter() - start
    start = time.perf_counter()
    findings = sum(len(run_checks(election)) for election in elections)
    checked = time.perf_counter() - start
    ratio = checked / parsed
    print(f"articles:  {count:,} ({len(base)} distinct documents)")
    print(f"parse:     {parsed:.3f} s ({parsed / count * 1e6:.0f} µs per article)")
    print(
        f"check:     {checked:.3f} s ({checked / count * 1e6:.0f} µs per article), "
        f"{findings:,} findings"
    )
    print(f"ratio:     check / parse = {ratio:.2f} (target <= 2.00)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
