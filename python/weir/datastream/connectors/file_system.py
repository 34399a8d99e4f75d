"""FileSource and FileSink, as PyFlink's ``pyflink.datastream.connectors.file_system``."""

from __future__ import annotations

from typing import Any

from weir.common.serialization import Encoder

__all__ = ["FileSource", "FileSink", "StreamFormat", "OutputFileConfig", "RollingPolicy"]


class StreamFormat:
    """How a FileSource reads: ``StreamFormat.text_line_format()``."""

    @staticmethod
    def text_line_format(charset_name: str = "UTF-8") -> StreamFormat:
        return StreamFormat()


class FileSource:
    """Reads text files line by line (bounded)."""

    def __init__(self, paths: list[str]) -> None:
        self._paths = paths

    @staticmethod
    def for_record_stream_format(stream_format: StreamFormat, *paths: str) -> FileSource.Builder:
        return FileSource.Builder(list(paths))

    class Builder:
        def __init__(self, paths: list[str]) -> None:
            self._paths = paths

        def monitor_continuously(self, *args: Any) -> FileSource.Builder:
            raise NotImplementedError("FileSource: continuous monitoring is not supported by Weir yet")

        def process_static_file_set(self) -> FileSource.Builder:
            return self

        def build(self) -> FileSource:
            if len(self._paths) != 1:
                raise ValueError("Weir's FileSource reads exactly one path")
            return FileSource(self._paths)

    def _source_node(self, env: Any, name: str) -> Any:
        from weir.common.typeinfo import Types
        from weir.datastream.data_stream import _Node

        return _Node(env, "source_file", [], name, path=self._paths[0], out_type=Types.STRING())


class OutputFileConfig:
    def __init__(self, prefix: str = "part", suffix: str = "") -> None:
        self.prefix, self.suffix = prefix, suffix

    @staticmethod
    def builder() -> OutputFileConfig.Builder:
        return OutputFileConfig.Builder()

    class Builder:
        def __init__(self) -> None:
            self._prefix, self._suffix = "part", ""

        def with_part_prefix(self, prefix: str) -> OutputFileConfig.Builder:
            self._prefix = prefix
            return self

        def with_part_suffix(self, suffix: str) -> OutputFileConfig.Builder:
            self._suffix = suffix
            return self

        def build(self) -> OutputFileConfig:
            return OutputFileConfig(self._prefix, self._suffix)


class RollingPolicy:
    @staticmethod
    def default_rolling_policy(*args: Any, **kwargs: Any) -> RollingPolicy:
        return RollingPolicy()

    @staticmethod
    def on_checkpoint_rolling_policy() -> RollingPolicy:
        return RollingPolicy()


class FileSink:
    """Writes records as lines (the Encoder's text of each) into part files under a directory.

    The engine's exactly-once FileSink does the writing: with checkpointing, a part file becomes visible
    when the checkpoint that covers it completes; without, when the input ends. Part files are named
    ``<prefix>-<job>-<attempt>-<subtask>-<n><suffix>`` with OutputFileConfig's part prefix (default
    ``part``) and suffix (default none), as Flink names them ``<prefix>-<uid>-<n><suffix>``. Part files
    sit directly under the base path: Weir has no buckets (Flink's default bucket is the hour).
    """

    def __init__(self, base: str, encoder: Encoder, config: OutputFileConfig) -> None:
        self._base, self._encoder, self._config = base, encoder, config
        self._name = f"File Sink: {base}"

    @staticmethod
    def for_row_format(base_path: str, encoder: Encoder) -> FileSink.RowFormatBuilder:
        return FileSink.RowFormatBuilder(base_path, encoder)

    class RowFormatBuilder:
        def __init__(self, base: str, encoder: Encoder) -> None:
            self._base, self._encoder = base, encoder
            self._config = OutputFileConfig()

        def with_output_file_config(self, config: OutputFileConfig) -> FileSink.RowFormatBuilder:
            self._config = config
            return self

        def with_rolling_policy(self, policy: RollingPolicy) -> FileSink.RowFormatBuilder:
            return self

        def with_bucket_check_interval(self, interval: int) -> FileSink.RowFormatBuilder:
            return self

        def build(self) -> FileSink:
            return FileSink(self._base, self._encoder, self._config)

    def _sink_spec(self) -> Any:
        return ("file", self._base, self._encoder, self._config.prefix, self._config.suffix)
