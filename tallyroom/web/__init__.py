"""The results website: pages, server-drawn SVG charts and a JSON twin of every page.

- :func:`create_app` gives the FastAPI app over a results database (``tallyroom serve``);
- :func:`export_site` writes the whole site as static files (``tallyroom export-site``).

Each name is imported on first use: the static export never loads FastAPI, Starlette and the
election-night pages, which took most of a one-election ``export-site --since`` run's start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tallyroom.lazy import exports

if TYPE_CHECKING:
    from tallyroom.web.app import create_app
    from tallyroom.web.export import ExportReport, export_site

__all__ = ["ExportReport", "create_app", "export_site"]

#: The module of this package that defines each public name.
_HOMES = {"create_app": ".app", "ExportReport": ".export", "export_site": ".export"}


__getattr__, __dir__ = exports(__name__, __all__, _HOMES)
