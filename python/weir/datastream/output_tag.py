"""Side outputs, as PyFlink's ``OutputTag``."""

from __future__ import annotations

from weir.common.typeinfo import TypeInformation

__all__ = ["OutputTag"]


class OutputTag:
    """Names a side output and the type of its records: ``yield tag, value`` in a process function."""

    def __init__(self, tag_id: str, type_info: TypeInformation | None = None) -> None:
        if not tag_id:
            raise ValueError("OutputTag needs a non-empty id")
        if type_info is not None and not isinstance(type_info, TypeInformation):
            raise TypeError(f"OutputTag's type_info must be TypeInformation, got {type_info!r}")
        self.tag_id = tag_id
        self.type_info = type_info

    @property
    def _weir_tag_id(self) -> str:
        return self.tag_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OutputTag) and other.tag_id == self.tag_id

    def __hash__(self) -> int:
        return hash(self.tag_id)

    def __repr__(self) -> str:
        return f"OutputTag({self.tag_id!r})"
