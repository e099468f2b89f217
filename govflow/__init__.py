"""GovFlow: party-building-led community governance workflows on BPMN.

The package itself imports nothing: the script sandbox's worker processes and the
command-line tools import the parts they need without loading the web application.
The factory lives in :mod:`govflow.app`."""
from __future__ import annotations


def create_app(config: dict | None = None):
    """See :func:`govflow.app.create_app` (imported on call, for the reason above)."""
    from .app import create_app as build
    return build(config)
