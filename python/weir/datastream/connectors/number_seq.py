"""NumberSequenceSource, as PyFlink's: the numbers from ``start`` to ``end`` (inclusive), bounded."""

from __future__ import annotations

from typing import Any

__all__ = ["NumberSequenceSource"]


class NumberSequenceSource:
    def __init__(self, start: int, end: int) -> None:
        if end < start:
            raise ValueError(f"NumberSequenceSource: end ({end}) must not be below start ({start})")
        self._start, self._end = start, end

    def _source_node(self, env: Any, name: str) -> Any:
        from weir.common.typeinfo import Types
        from weir.datastream.data_stream import _Node

        return _Node(env, "source_sequence", [], name, start=self._start, end=self._end, out_type=Types.LONG())
