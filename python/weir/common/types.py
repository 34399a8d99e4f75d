"""Rows, as PyFlink's ``pyflink.common.types``: positional or named fields and a change kind."""

from __future__ import annotations

from enum import Enum
from typing import Any, Iterator

__all__ = ["Row", "RowKind"]


class RowKind(Enum):
    """What a row means in a changelog: an insert, the two halves of an update, or a delete."""

    INSERT = 0
    UPDATE_BEFORE = 1
    UPDATE_AFTER = 2
    DELETE = 3

    def __str__(self) -> str:
        return ("+I", "-U", "+U", "-D")[self.value]


def _make_row(fields: list[str] | None, values: tuple[Any, ...], kind: RowKind) -> Row:
    row = Row(*values)
    if fields is not None:
        row._fields = list(fields)
    row._row_kind = kind
    return row


class Row:
    """A record of fields: ``Row(1, "a")`` (positional) or ``Row(id=1, name="a")`` (named).

    Fields are read by position (``row[0]``), by name (``row["name"]``, ``row.name``); ``repr`` shows
    ``Row(id=1, name='a')`` for named rows and ``<Row(1, 'a')>`` for positional ones, as PyFlink does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("Can not use both args and kwargs to create Row")
        if kwargs:
            self._fields = list(kwargs)
            self._values = list(kwargs.values())
            self._from_dict = True
        else:
            self._values = list(args)
            self._from_dict = False
        self._row_kind = RowKind.INSERT

    def as_dict(self, recursive: bool = False) -> dict[str, Any]:
        """The named fields as a dict (nested rows too with ``recursive``)."""
        if "_fields" not in self.__dict__:
            raise TypeError("Cannot convert a Row class into dict")

        def conv(o: Any) -> Any:
            if not recursive:
                return o
            if isinstance(o, Row):
                return o.as_dict(True)
            if isinstance(o, list):
                return [conv(x) for x in o]
            if isinstance(o, dict):
                return {k: conv(v) for k, v in o.items()}
            return o

        return {k: conv(v) for k, v in zip(self._fields, self._values)}

    def get_row_kind(self) -> RowKind:
        return self._row_kind

    def set_row_kind(self, row_kind: RowKind) -> None:
        self._row_kind = row_kind

    def set_field_names(self, field_names: list[str]) -> None:
        self._fields = list(field_names)

    def get_fields_by_names(self, names: list[str]) -> list[Any]:
        fields = self.__dict__.get("_fields")
        if fields is None or names == fields:
            return self._values
        missing = [n for n in names if n not in fields]
        if missing:
            raise Exception(f"Field names {missing} not exist in {fields}.")
        return [self._values[fields.index(n)] for n in names]

    @staticmethod
    def of_kind(row_kind: RowKind, *args: Any, **kwargs: Any) -> Row:
        row = Row(*args, **kwargs)
        row.set_row_kind(row_kind)
        return row

    def __contains__(self, item: Any) -> bool:
        fields = self.__dict__.get("_fields")
        return item in fields if fields is not None else item in self._values

    def __call__(self, *args: Any) -> Row:
        """A row of this row's field names (used as a row "class") with the given values."""
        if len(args) > len(self):
            raise ValueError(f"Can not create Row with fields {self}, expected {len(self)} values but got {args}")
        return _make_row(list(self._values), args, self._row_kind)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, (int, slice)):
            return self._values[item]
        try:
            return self._values[self._fields.index(item)]
        except (AttributeError, IndexError):
            raise KeyError(item) from None
        except ValueError:
            raise ValueError(item) from None

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, (int, slice)):
            self._values[key] = value
            return
        try:
            self._values[self._fields.index(key)] = value
        except (IndexError, AttributeError):
            raise KeyError(key) from None
        except ValueError:
            raise ValueError(value) from None

    def __getattr__(self, item: str) -> Any:
        if item.startswith("_"):
            raise AttributeError(item)
        fields = self.__dict__.get("_fields")
        if fields is None or item not in fields:
            raise AttributeError(item)
        return self._values[fields.index(item)]

    def __setattr__(self, key: str, value: Any) -> None:
        if key not in ("_fields", "_from_dict", "_row_kind", "_values"):
            raise AttributeError(key)
        self.__dict__[key] = value

    def __reduce__(self) -> tuple[Any, ...]:
        return _make_row, (self.__dict__.get("_fields"), tuple(self._values), self._row_kind)

    def __repr__(self) -> str:
        fields = self.__dict__.get("_fields")
        if fields is not None:
            return "Row({})".format(", ".join(f"{k}={v!r}" for k, v in zip(fields, self._values)))
        return "<Row({})>".format(", ".join(repr(v) for v in self._values))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row):
            return False
        mine, theirs = self.__dict__.get("_fields"), other.__dict__.get("_fields")
        if (mine is None) != (theirs is None):
            return False
        if self._row_kind != other._row_kind:
            return False
        if mine is None:
            return self._values == other._values
        if sorted(mine) != sorted(theirs):
            return False
        return all(self._values[mine.index(n)] == other._values[theirs.index(n)] for n in mine)

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
