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


def compile_tallyroom() -> str:
    """Byte-compile the tallyroom package, as installing it from a wheel does, and say so.

    A benchmark times ``tallyroom`` as installed. Where the environment asks Python not to write
    bytecode (``PYTHONDONTWRITEBYTECODE``) and the package is installed editable, every process
    would otherwise compile the package's source again: about 0.1 CPU-s and 30 MB of peak
    memory of each command, which an installed copy never pays."""
    import compileall
    from pathlib import Path

    import tallyroom

    folder = Path(tallyroom.__file__).parent
    if not compileall.compile_dir(folder, quiet=1):
        raise SystemExit(f"tallyroom's source in {folder} does not compile")
    return "tallyroom byte-compiled, as an installed copy is"
