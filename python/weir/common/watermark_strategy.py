"""Watermark strategies, as PyFlink's ``pyflink.common.watermark_strategy``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from weir.common.time import Duration, _millis

__all__ = ["WatermarkStrategy", "TimestampAssigner"]


class TimestampAssigner(ABC):
    """Extracts a record's event time (milliseconds since the epoch)."""

    @abstractmethod
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        """The event time of ``value``; ``record_timestamp`` is the time it already carries (or None)."""


class WatermarkStrategy:
    """How a stream gets event timestamps and watermarks.

    The watermark after the largest timestamp M seen is ``M - bound - 1``, emitted every
    ``pipeline.auto-watermark-interval`` (200 ms by default) and at the end of bounded input.
    """

    def __init__(self, kind: str, bound_ms: int = 0) -> None:
        self._kind = kind
        self._bound_ms = bound_ms
        self._idle_ms = 0
        self._assigner: TimestampAssigner | None = None

    @staticmethod
    def for_monotonous_timestamps() -> WatermarkStrategy:
        return WatermarkStrategy("monotonous")

    @staticmethod
    def for_bounded_out_of_orderness(max_out_of_orderness: Duration) -> WatermarkStrategy:
        bound = _millis(max_out_of_orderness, "max_out_of_orderness")
        if bound < 0:
            raise ValueError(f"max_out_of_orderness must not be negative, got {bound} ms")
        return WatermarkStrategy("bounded", bound)

    @staticmethod
    def no_watermarks() -> WatermarkStrategy:
        return WatermarkStrategy("none")

    def with_timestamp_assigner(self, timestamp_assigner: TimestampAssigner) -> WatermarkStrategy:
        if not (isinstance(timestamp_assigner, TimestampAssigner) or callable(timestamp_assigner)):
            raise TypeError(f"with_timestamp_assigner needs a TimestampAssigner, got {timestamp_assigner!r}")
        s = self._copy()
        s._assigner = timestamp_assigner
        return s

    def with_idleness(self, idle_timeout: Duration) -> WatermarkStrategy:
        s = self._copy()
        s._idle_ms = _millis(idle_timeout, "idle_timeout")
        return s

    def with_watermark_alignment(self, *args: Any, **kwargs: Any) -> WatermarkStrategy:
        """Accepted for compatibility; Weir does not align watermarks across sources."""
        return self._copy()

    def _copy(self) -> WatermarkStrategy:
        s = WatermarkStrategy(self._kind, self._bound_ms)
        s._idle_ms = self._idle_ms
        s._assigner = self._assigner
        return s

    def _engine_spec(self) -> tuple[str, int, int]:
        return (self._kind, self._bound_ms, self._idle_ms)

    def _assigner_callable(self) -> Any:
        a = self._assigner
        if a is None:
            return None
        if isinstance(a, TimestampAssigner):
            return a.extract_timestamp
        return a
