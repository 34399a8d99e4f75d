"""Durations and points in time, as PyFlink's ``pyflink.common.time``."""

from __future__ import annotations

__all__ = ["Duration", "Time", "Instant"]


class Duration:
    """A length of time, kept in milliseconds (the engine's resolution)."""

    def __init__(self, millis: int) -> None:
        self._millis = int(millis)

    @staticmethod
    def of_days(days: int) -> Duration:
        return Duration(days * 86_400_000)

    @staticmethod
    def of_hours(hours: int) -> Duration:
        return Duration(hours * 3_600_000)

    @staticmethod
    def of_minutes(minutes: int) -> Duration:
        return Duration(minutes * 60_000)

    @staticmethod
    def of_seconds(seconds: int) -> Duration:
        return Duration(seconds * 1000)

    @staticmethod
    def of_millis(millis: int) -> Duration:
        return Duration(millis)

    @staticmethod
    def of_nanos(nanos: int) -> Duration:
        return Duration(nanos // 1_000_000)

    def to_milliseconds(self) -> int:
        return self._millis

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and other._millis == self._millis

    def __hash__(self) -> int:
        return hash(self._millis)

    def __repr__(self) -> str:
        return f"Duration({self._millis} ms)"


class Time(Duration):
    """Flink's older time length (``Time.seconds(5)``); the same as a Duration."""

    @staticmethod
    def milliseconds(millis: int) -> Time:
        return Time(millis)

    @staticmethod
    def seconds(seconds: int) -> Time:
        return Time(seconds * 1000)

    @staticmethod
    def minutes(minutes: int) -> Time:
        return Time(minutes * 60_000)

    @staticmethod
    def hours(hours: int) -> Time:
        return Time(hours * 3_600_000)

    @staticmethod
    def days(days: int) -> Time:
        return Time(days * 86_400_000)


class Instant:
    """A point in time: seconds and nanoseconds since the epoch."""

    def __init__(self, seconds: int, nanos: int) -> None:
        self.seconds = seconds
        self.nanos = nanos

    def to_epoch_milli(self) -> int:
        return self.seconds * 1000 + self.nanos // 1_000_000

    @staticmethod
    def of_epoch_milli(epoch_milli: int) -> Instant:
        return Instant(epoch_milli // 1000, (epoch_milli % 1000) * 1_000_000)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instant) and (self.seconds, self.nanos) == (other.seconds, other.nanos)

    def __hash__(self) -> int:
        return hash((self.seconds, self.nanos))

    def __repr__(self) -> str:
        return f"Instant<{self.seconds}, {self.nanos}>"


def _millis(d: Duration | int, what: str) -> int:
    """Milliseconds of a Duration/Time (or an int of milliseconds)."""
    if isinstance(d, Duration):
        return d.to_milliseconds()
    if isinstance(d, int) and not isinstance(d, bool):
        return d
    raise TypeError(f"{what} must be a Duration (e.g. Duration.of_seconds(5)), got {d!r}")
