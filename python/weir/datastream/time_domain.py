"""Time domains of timers, as PyFlink's ``TimeDomain``."""

from enum import Enum

__all__ = ["TimeDomain"]


class TimeDomain(Enum):
    EVENT_TIME = 0
    PROCESSING_TIME = 1
