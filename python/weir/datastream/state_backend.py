"""State backends, as PyFlink's ``pyflink.datastream.state_backend``."""

from __future__ import annotations

__all__ = ["StateBackend", "HashMapStateBackend", "EmbeddedRocksDBStateBackend", "PredefinedOptions"]


class StateBackend:
    def _keys(self) -> dict[str, str]:
        raise NotImplementedError


class HashMapStateBackend(StateBackend):
    """Keyed state as objects in memory (fast; bounded by memory)."""

    def _keys(self) -> dict[str, str]:
        return {"state.backend.type": "hashmap"}


class PredefinedOptions:
    DEFAULT = "DEFAULT"
    SPINNING_DISK_OPTIMIZED = "SPINNING_DISK_OPTIMIZED"
    SPINNING_DISK_OPTIMIZED_HIGH_MEM = "SPINNING_DISK_OPTIMIZED_HIGH_MEM"
    FLASH_SSD_OPTIMIZED = "FLASH_SSD_OPTIMIZED"


class EmbeddedRocksDBStateBackend(StateBackend):
    """Keyed state in an embedded RocksDB (larger than memory; incremental checkpoints)."""

    def __init__(self, enable_incremental_checkpointing: bool | None = None) -> None:
        self._incremental = enable_incremental_checkpointing
        self._local_dirs: list[str] = []

    def is_incremental_checkpoints_enabled(self) -> bool:
        return bool(self._incremental)

    def set_db_storage_paths(self, *paths: str) -> None:
        self._local_dirs = list(paths)

    def set_predefined_options(self, options: str) -> None:
        """Accepted; Weir sizes RocksDB from its memory budget."""

    def _keys(self) -> dict[str, str]:
        keys = {"state.backend.type": "rocksdb"}
        if self._incremental is not None:
            keys["execution.checkpointing.incremental"] = "true" if self._incremental else "false"
        if self._local_dirs:
            keys["state.backend.rocksdb.localdir"] = self._local_dirs[0]
        return keys
