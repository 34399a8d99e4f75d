"""Connectors, as PyFlink's ``pyflink.datastream.connectors``."""

from weir.datastream.connectors.discarding import DiscardingSink
from weir.datastream.connectors.file_system import (
    FileSink,
    FileSource,
    OutputFileConfig,
    RollingPolicy,
    StreamFormat,
)
from weir.datastream.connectors.kafka import DeliveryGuarantee
from weir.datastream.connectors.number_seq import NumberSequenceSource

__all__ = [
    "DeliveryGuarantee",
    "DiscardingSink",
    "FileSink",
    "FileSource",
    "NumberSequenceSource",
    "OutputFileConfig",
    "RollingPolicy",
    "StreamFormat",
]
