"""A package's public names, each imported from its home module on first use.

A package whose ``__init__`` imported every name would load all its modules (and their heavy
libraries) for any one of them: ``import tallyroom.rcv`` would load numpy, ``tallyroom.web``
FastAPI. Such a package names each public name's module instead and hands out
:func:`exports`' two functions as its module ``__getattr__`` and ``__dir__`` (PEP 562)::

    __getattr__, __dir__ = exports(__name__, __all__, {"create_app": ".app"})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from typing import Any

__all__ = ["exports"]


def exports(
    package: str, names: Sequence[str], homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: a name of ``homes`` is imported from
    its module (absolute, or relative to ``package`` when it starts with a dot) when first
    asked for, then kept in the package's namespace; any other name is an ``AttributeError``.
    ``names``: the package's ``__all__``, listed by ``dir`` before they are imported."""
    namespace = vars(import_module(package))

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
