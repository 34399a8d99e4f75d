"""Encoders and schemas, as PyFlink's ``pyflink.common.serialization``."""

from __future__ import annotations

from typing import Any

__all__ = ["Encoder", "SimpleStringSchema"]


class Encoder:
    """How a FileSink writes a record: ``Encoder.simple_string_encoder()`` writes ``str(record)`` lines."""

    def __init__(self, charset: str = "UTF-8") -> None:
        self._charset = charset

    @staticmethod
    def simple_string_encoder(charset_name: str = "UTF-8") -> Encoder:
        return Encoder(charset_name)

    def _text(self, value: Any) -> str:
        return str(value)


class SimpleStringSchema:
    """Strings as UTF-8 bytes (Kafka's value format)."""

    def __init__(self, charset: str = "UTF-8") -> None:
        self._charset = charset
