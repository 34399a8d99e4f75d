"""DiscardingSink, as Flink's: drops every record (benchmarks, jobs run for their side effects)."""

from __future__ import annotations

from typing import Any

__all__ = ["DiscardingSink"]


class DiscardingSink:
    """A sink that drops records in the engine, without calling Python."""

    _name = "Discarding Sink"

    def _sink_spec(self) -> Any:
        return None
