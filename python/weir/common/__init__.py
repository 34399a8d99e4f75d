"""Common types and settings, as PyFlink's ``pyflink.common``."""

from weir import _core
from weir.common.configuration import Configuration
from weir.common.restart_strategy import RestartStrategies
from weir.common.serialization import Encoder, SimpleStringSchema
from weir.common.time import Duration, Instant, Time
from weir.common.typeinfo import TypeInformation, Types
from weir.common.types import Row, RowKind
from weir.common.watermark_strategy import TimestampAssigner, WatermarkStrategy

_core.register_row_type(Row, RowKind)

__all__ = [
    "Configuration",
    "Duration",
    "Encoder",
    "Instant",
    "RestartStrategies",
    "Row",
    "RowKind",
    "SimpleStringSchema",
    "Time",
    "TimestampAssigner",
    "TypeInformation",
    "Types",
    "WatermarkStrategy",
]
