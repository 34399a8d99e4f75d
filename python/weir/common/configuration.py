"""Configuration, as PyFlink's ``pyflink.common.Configuration``: string keys with Flink's names."""

from __future__ import annotations

from typing import Any

__all__ = ["Configuration"]


class Configuration:
    """Key/value settings (``execution.checkpointing.interval``, ``state.backend.type``, ...).

    Values are checked when a job starts; an unknown key or a bad value fails with an error naming it.
    """

    def __init__(self, other: Configuration | None = None) -> None:
        self._data: dict[str, str] = dict(other._data) if other is not None else {}

    def set_string(self, key: str, value: str) -> Configuration:
        self._data[key] = str(value)
        return self

    def get_string(self, key: str, default_value: str) -> str:
        return self._data.get(key, default_value)

    def set_integer(self, key: str, value: int) -> Configuration:
        self._data[key] = str(int(value))
        return self

    def get_integer(self, key: str, default_value: int) -> int:
        return int(self._data[key]) if key in self._data else default_value

    def set_boolean(self, key: str, value: bool) -> Configuration:
        self._data[key] = "true" if value else "false"
        return self

    def get_boolean(self, key: str, default_value: bool) -> bool:
        return self._data[key].lower() == "true" if key in self._data else default_value

    def set_float(self, key: str, value: float) -> Configuration:
        self._data[key] = str(value)
        return self

    def get_float(self, key: str, default_value: float) -> float:
        return float(self._data[key]) if key in self._data else default_value

    def set(self, key: str, value: Any) -> Configuration:
        self._data[key] = value if isinstance(value, str) else str(value)
        return self

    def contains_key(self, key: str) -> bool:
        return key in self._data

    def remove_config(self, key: str) -> bool:
        return self._data.pop(key, None) is not None

    def key_set(self) -> set[str]:
        return set(self._data)

    def add_all(self, other: Configuration, prefix: str | None = None) -> None:
        for k, v in other._data.items():
            self._data[(prefix or "") + k] = v

    def to_dict(self) -> dict[str, str]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"Configuration({self._data})"
