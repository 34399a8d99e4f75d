"""Windows, as PyFlink's ``pyflink.datastream.window``.

Assigners and triggers here describe windows; the engine's window operator (C++) runs them, so window
bookkeeping never takes the GIL. Custom Python WindowAssigner and Trigger classes are not supported.
"""

from __future__ import annotations

from typing import Any

from weir.common.time import Duration, _millis

__all__ = [
    "TimeWindow",
    "CountWindow",
    "GlobalWindow",
    "WindowAssigner",
    "TumblingEventTimeWindows",
    "TumblingProcessingTimeWindows",
    "SlidingEventTimeWindows",
    "SlidingProcessingTimeWindows",
    "EventTimeSessionWindows",
    "ProcessingTimeSessionWindows",
    "SessionWindowTimeGapExtractor",
    "GlobalWindows",
    "CountTumblingWindowAssigner",
    "CountSlidingWindowAssigner",
    "Trigger",
    "EventTimeTrigger",
    "ProcessingTimeTrigger",
    "CountTrigger",
    "PurgingTrigger",
    "ContinuousEventTimeTrigger",
    "CountEvictor",
]


class TimeWindow:
    """The interval [start, end) of a time window."""

    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    def max_timestamp(self) -> int:
        return self.end - 1

    def intersects(self, other: TimeWindow) -> bool:
        return self.start <= other.end and self.end >= other.start

    def cover(self, other: TimeWindow) -> TimeWindow:
        return TimeWindow(min(self.start, other.start), max(self.end, other.end))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TimeWindow) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __lt__(self, other: TimeWindow) -> bool:
        return (self.start, self.end) < (other.start, other.end)

    def __repr__(self) -> str:
        return f"TimeWindow(start={self.start}, end={self.end})"


class CountWindow:
    """A window of a count-window assigner."""

    def __init__(self, id: int) -> None:  # noqa: A002 - PyFlink's name
        self.id = id

    def max_timestamp(self) -> int:
        return 9223372036854775807

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CountWindow) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"CountWindow(id={self.id})"


class GlobalWindow:
    """The one window of GlobalWindows."""

    def max_timestamp(self) -> int:
        return 9223372036854775807

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GlobalWindow)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "GlobalWindow"


class WindowAssigner:
    """Base of the built-in assigners (described for the engine by ``_engine_spec``)."""

    def _engine_spec(self) -> tuple[Any, ...]:
        raise NotImplementedError(
            f"{type(self).__name__}: custom Python window assigners are not supported by Weir; use the "
            "built-in ones (tumbling, sliding, session, global, count)"
        )

    def is_event_time(self) -> bool:
        return False


def _positive(v: Duration | int, what: str) -> int:
    ms = _millis(v, what)
    if ms <= 0:
        raise ValueError(f"{what} must be positive, got {ms} ms")
    return ms


class TumblingEventTimeWindows(WindowAssigner):
    def __init__(self, size: int, offset: int) -> None:
        self._size, self._offset = size, offset

    @staticmethod
    def of(size: Duration, offset: Duration | None = None) -> TumblingEventTimeWindows:
        return TumblingEventTimeWindows(_positive(size, "window size"), _millis(offset or 0, "offset"))

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("tumbling_event", self._size, 0, self._offset, 0)

    def is_event_time(self) -> bool:
        return True


class TumblingProcessingTimeWindows(TumblingEventTimeWindows):
    @staticmethod
    def of(size: Duration, offset: Duration | None = None) -> TumblingProcessingTimeWindows:
        return TumblingProcessingTimeWindows(_positive(size, "window size"), _millis(offset or 0, "offset"))

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("tumbling_processing", self._size, 0, self._offset, 0)

    def is_event_time(self) -> bool:
        return False


class SlidingEventTimeWindows(WindowAssigner):
    def __init__(self, size: int, slide: int, offset: int) -> None:
        self._size, self._slide, self._offset = size, slide, offset

    @staticmethod
    def of(size: Duration, slide: Duration, offset: Duration | None = None) -> SlidingEventTimeWindows:
        return SlidingEventTimeWindows(
            _positive(size, "window size"), _positive(slide, "window slide"), _millis(offset or 0, "offset")
        )

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("sliding_event", self._size, self._slide, self._offset, 0)

    def is_event_time(self) -> bool:
        return True


class SlidingProcessingTimeWindows(SlidingEventTimeWindows):
    @staticmethod
    def of(size: Duration, slide: Duration, offset: Duration | None = None) -> SlidingProcessingTimeWindows:
        return SlidingProcessingTimeWindows(
            _positive(size, "window size"), _positive(slide, "window slide"), _millis(offset or 0, "offset")
        )

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("sliding_processing", self._size, self._slide, self._offset, 0)

    def is_event_time(self) -> bool:
        return False


class SessionWindowTimeGapExtractor:
    """The session gap of an element (dynamic session windows)."""

    def extract(self, element: Any) -> int:
        raise NotImplementedError


class EventTimeSessionWindows(WindowAssigner):
    _prefix = "session_event"

    def __init__(self, gap: int, extractor: Any = None) -> None:
        self._gap, self._extractor = gap, extractor

    @classmethod
    def with_gap(cls, size: Duration) -> EventTimeSessionWindows:
        return cls(_positive(size, "session gap"))

    @classmethod
    def with_dynamic_gap(cls, extractor: SessionWindowTimeGapExtractor) -> EventTimeSessionWindows:
        fn = extractor.extract if hasattr(extractor, "extract") else extractor
        if not callable(fn):
            raise TypeError("with_dynamic_gap needs a SessionWindowTimeGapExtractor")

        def gap(element: Any) -> int:
            g = fn(element)
            return _millis(g, "session gap")

        return cls(0, gap)

    def _engine_spec(self) -> tuple[Any, ...]:
        if self._extractor is not None:
            return ("dynamic_" + self._prefix, 0, 0, 0, self._extractor)
        return (self._prefix, 0, 0, 0, self._gap)

    def is_event_time(self) -> bool:
        return True


class ProcessingTimeSessionWindows(EventTimeSessionWindows):
    _prefix = "session_processing"

    def is_event_time(self) -> bool:
        return False


class GlobalWindows(WindowAssigner):
    @staticmethod
    def create() -> GlobalWindows:
        return GlobalWindows()

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("global", 0, 0, 0, 0)


class CountTumblingWindowAssigner(WindowAssigner):
    def __init__(self, size: int) -> None:
        self._size = size

    @staticmethod
    def of(window_size: int) -> CountTumblingWindowAssigner:
        return CountTumblingWindowAssigner(window_size)

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("count", self._size, 0, 0, 0)


class CountSlidingWindowAssigner(WindowAssigner):
    def __init__(self, size: int, slide: int) -> None:
        self._size, self._slide = size, slide

    @staticmethod
    def of(window_size: int, window_slide: int) -> CountSlidingWindowAssigner:
        return CountSlidingWindowAssigner(window_size, window_slide)

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("count", self._size, self._slide, 0, 0)


class Trigger:
    """Base of the built-in triggers. Custom Python triggers are not supported by Weir."""

    def _engine_spec(self) -> tuple[Any, ...]:
        raise NotImplementedError(
            f"{type(self).__name__}: custom Python triggers are not supported by Weir; use EventTimeTrigger, "
            "ProcessingTimeTrigger, CountTrigger, PurgingTrigger or ContinuousEventTimeTrigger"
        )


class EventTimeTrigger(Trigger):
    @staticmethod
    def create() -> EventTimeTrigger:
        return EventTimeTrigger()

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("event_time",)


class ProcessingTimeTrigger(Trigger):
    @staticmethod
    def create() -> ProcessingTimeTrigger:
        return ProcessingTimeTrigger()

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("processing_time",)


class CountTrigger(Trigger):
    def __init__(self, count: int) -> None:
        if count <= 0:
            raise ValueError(f"CountTrigger needs a count of at least 1, got {count}")
        self._count = count

    @staticmethod
    def of(window_size: int) -> CountTrigger:
        return CountTrigger(window_size)

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("count", self._count)


class ContinuousEventTimeTrigger(Trigger):
    def __init__(self, interval: int) -> None:
        self._interval = interval

    @staticmethod
    def of(interval: Duration) -> ContinuousEventTimeTrigger:
        return ContinuousEventTimeTrigger(_positive(interval, "trigger interval"))

    def _engine_spec(self) -> tuple[Any, ...]:
        return ("continuous_event_time", self._interval)


class PurgingTrigger(Trigger):
    def __init__(self, inner: Trigger) -> None:
        if not isinstance(inner, Trigger):
            raise TypeError(f"PurgingTrigger.of needs a Trigger, got {inner!r}")
        self._inner = inner

    @staticmethod
    def of(nested_trigger: Trigger) -> PurgingTrigger:
        return PurgingTrigger(nested_trigger)

    def _engine_spec(self) -> tuple[Any, ...]:
        inner = self._inner._engine_spec()
        if inner[0] == "purging":
            return inner
        return ("purging", inner)


class CountEvictor:
    """Keeps the last ``count`` elements of a window when it fires."""

    def __init__(self, count: int) -> None:
        if count <= 0:
            raise ValueError(f"CountEvictor needs a count of at least 1, got {count}")
        self._count = count

    @staticmethod
    def of(count: int, do_evict_after: bool = False) -> CountEvictor:
        return CountEvictor(count)
