"""The web dashboard (FastAPI): scenarios, runs with changed inputs, job progress,
results dashboards, run history and comparison, and a JSON API.

Needs the ``web`` extra: ``pip install 'trunkline[web]'``; start it with
``trunkline serve``.
"""

from trunkline.web.app import create_app

__all__ = ["create_app"]
