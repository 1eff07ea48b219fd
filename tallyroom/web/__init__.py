"""The results website: pages, server-drawn SVG charts and a JSON twin of every page.

- :func:`create_app` gives the FastAPI app over a results database (``tallyroom serve``);
- :func:`export_site` writes the whole site as static files (``tallyroom export-site``).
"""

from __future__ import annotations

from tallyroom.web.app import create_app
from tallyroom.web.export import ExportReport, export_site

__all__ = ["ExportReport", "create_app", "export_site"]
