"""Checkpoint settings, as PyFlink's ``CheckpointConfig`` and ``CheckpointingMode``."""

from __future__ import annotations

from enum import Enum
from typing import Any

from weir.common.time import Duration, _millis

__all__ = ["CheckpointConfig", "CheckpointingMode", "ExternalizedCheckpointRetention", "CheckpointStorage"]


class CheckpointingMode(Enum):
    EXACTLY_ONCE = 0
    AT_LEAST_ONCE = 1


class ExternalizedCheckpointRetention(Enum):
    DELETE_ON_CANCELLATION = 0
    RETAIN_ON_CANCELLATION = 1
    NO_EXTERNALIZED_CHECKPOINTS = 2


class CheckpointStorage:
    """Where checkpoints go: a directory (``file://`` or a plain path)."""

    def __init__(self, checkpoint_path: str) -> None:
        self.checkpoint_path = checkpoint_path


class FileSystemCheckpointStorage(CheckpointStorage):
    pass


def _ms(v: Any, what: str) -> str:
    return f"{_millis(v, what)} ms"


class CheckpointConfig:
    """Checkpoint settings of an environment, stored as Flink's configuration keys."""

    def __init__(self, config: dict[str, str]) -> None:
        self._c = config

    def is_checkpointing_enabled(self) -> bool:
        return self.get_checkpoint_interval() > 0

    def set_checkpoint_interval(self, checkpoint_interval: int | Duration) -> CheckpointConfig:
        ms = _millis(checkpoint_interval, "checkpoint interval")
        if ms < 10:
            raise ValueError(f"checkpoint interval must be at least 10 ms, got {ms}")
        self._c["execution.checkpointing.interval"] = f"{ms} ms"
        return self

    def get_checkpoint_interval(self) -> int:
        v = self._c.get("execution.checkpointing.interval", "0 ms")
        return int(v.split()[0]) if v.split()[0].isdigit() else 0

    def set_checkpointing_mode(self, checkpointing_mode: CheckpointingMode) -> CheckpointConfig:
        if not isinstance(checkpointing_mode, CheckpointingMode):
            raise TypeError(f"set_checkpointing_mode takes a CheckpointingMode, got {checkpointing_mode!r}")
        self._c["execution.checkpointing.mode"] = checkpointing_mode.name.lower()
        return self

    def get_checkpointing_mode(self) -> CheckpointingMode:
        v = self._c.get("execution.checkpointing.mode", "exactly_once")
        return CheckpointingMode[v.upper()]

    def set_min_pause_between_checkpoints(self, min_pause_between_checkpoints: int) -> CheckpointConfig:
        self._c["execution.checkpointing.min-pause"] = _ms(min_pause_between_checkpoints, "min pause")
        return self

    def set_checkpoint_timeout(self, checkpoint_timeout: int) -> CheckpointConfig:
        self._c["execution.checkpointing.timeout"] = _ms(checkpoint_timeout, "checkpoint timeout")
        return self

    def set_max_concurrent_checkpoints(self, max_concurrent_checkpoints: int) -> CheckpointConfig:
        self._c["execution.checkpointing.max-concurrent-checkpoints"] = str(int(max_concurrent_checkpoints))
        return self

    def set_tolerable_checkpoint_failure_number(self, number: int) -> CheckpointConfig:
        self._c["execution.checkpointing.tolerable-failed-checkpoints"] = str(int(number))
        return self

    def enable_unaligned_checkpoints(self, enabled: bool = True) -> CheckpointConfig:
        self._c["execution.checkpointing.unaligned.enabled"] = "true" if enabled else "false"
        return self

    def set_externalized_checkpoint_retention(self, retention: ExternalizedCheckpointRetention) -> CheckpointConfig:
        v = (
            "retain_on_cancellation"
            if retention == ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION
            else "delete_on_cancellation"
        )
        self._c["execution.checkpointing.externalized-checkpoint-retention"] = v
        return self

    def set_checkpoint_storage_dir(self, checkpoint_path: str) -> CheckpointConfig:
        path = checkpoint_path[len("file://") :] if checkpoint_path.startswith("file://") else checkpoint_path
        self._c["execution.checkpointing.dir"] = path
        return self

    def set_checkpoint_storage(self, storage: CheckpointStorage | str) -> CheckpointConfig:
        path = storage.checkpoint_path if isinstance(storage, CheckpointStorage) else storage
        return self.set_checkpoint_storage_dir(path)
