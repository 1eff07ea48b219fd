"""How fast this machine is right now, printed by every benchmark beside its figures.

Benchmarks run on shared machines; a fixed pure-Python loop timed in the same run lets figures
taken on different machines, or at busier moments, be compared.
"""

from __future__ import annotations

import time


def calibrate() -> float:
    """Microseconds of CPU for ``sum(range(1000))``, best of five batches of 200."""
    best = float("inf")
    for _ in range(5):
        cpu = time.process_time()
        for _ in range(200):
            sum(range(1000))
        best = min(best, (time.process_time() - cpu) / 200 * 1e6)
    return best
