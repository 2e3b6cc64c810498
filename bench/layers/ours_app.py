"""Our app as benchmarked: ``api.app.create_app`` with the bench requests layer registered."""

from __future__ import annotations

from typing import Any


def create_app() -> Any:
    """Register the bench-only layer in this process, then build our FastAPI app."""
    from bench.layers.queries import register_requests_layer

    register_requests_layer()
    from api.app import create_app as create

    return create()
