"""Each lazily exported package lists its names, imports each from its home on first use, and
refuses a name it does not have (``tallyroom.lazy.exports``)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from .conftest import ROOT

PACKAGES = ("tallyroom", "tallyroom.rcv", "tallyroom.web")


@pytest.mark.parametrize("name", PACKAGES)
def test_a_package_lists_its_names_and_refuses_others(name: str) -> None:
    package = importlib.import_module(name)
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match=f"^module '{name}' has no attribute 'nothing'$"):
        _ = package.nothing


def test_names_come_from_their_homes_on_first_use_and_are_kept() -> None:
    # In a fresh interpreter: listing the names imports nothing; asking for one imports its
    # home (relative to the package) and keeps the value in the package's namespace.
    script = (
        "import sys, tallyroom.web as web\n"
        "listed = 'export_site' in dir(web) and 'tallyroom.web.export' not in sys.modules\n"
        "value = web.export_site\n"
        "print(listed, value.__module__, 'export_site' in vars(web), 'fastapi' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["True", "tallyroom.web.export", "True", "False"]
