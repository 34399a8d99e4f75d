"""Type information, as PyFlink's ``pyflink.common.typeinfo``.

A declared type checks what a function returns (a value that does not fit fails the task with a message
naming the type and the value) and chooses how it is encoded: ``Types.FLOAT()`` is a 4-byte float, rows
under ``Types.ROW_NAMED`` carry the declared field names. Without type information values are encoded as
they are (built-in types compactly, anything else pickled), like PyFlink's pickled fallback.
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = [
    "TypeInformation",
    "BasicTypeInfo",
    "PickledBytesTypeInfo",
    "RowTypeInfo",
    "TupleTypeInfo",
    "ListTypeInfo",
    "MapTypeInfo",
    "BasicArrayTypeInfo",
    "PrimitiveArrayTypeInfo",
    "ObjectArrayTypeInfo",
    "Types",
]

Spec = tuple[str, str, list[str], list[Any]]


class TypeInformation:
    """The type of a stream's records, a state's values or a key."""

    def __init__(self, kind: str, display: str) -> None:
        self._kind = kind
        self._display = display

    def _spec(self) -> Spec:
        return (self._kind, self._display, [], [])

    def __repr__(self) -> str:
        return self._display

    def __str__(self) -> str:
        return self._display

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeInformation) and self._spec() == other._spec()

    def __hash__(self) -> int:
        return hash(repr(self._spec()))


class BasicTypeInfo(TypeInformation):
    """A scalar type: STRING, INT, LONG, DOUBLE, ..."""

    @staticmethod
    def STRING_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo("STRING", "String")

    @staticmethod
    def BOOLEAN_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo("BOOLEAN", "Boolean")

    @staticmethod
    def INT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo("INT", "Integer")

    @staticmethod
    def LONG_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo("LONG", "Long")

    @staticmethod
    def DOUBLE_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo("DOUBLE", "Double")


class PickledBytesTypeInfo(TypeInformation):
    """Any Python object, pickled."""

    def __init__(self) -> None:
        super().__init__("PICKLED", "PickledByteArrayTypeInfo")


class _AnyTypeInfo(TypeInformation):
    def __init__(self) -> None:
        super().__init__("ANY", "ANY")


class RowTypeInfo(TypeInformation):
    """Rows with named, typed fields (``Types.ROW`` names them f0, f1, ...)."""

    def __init__(self, field_types: Sequence[TypeInformation], field_names: Sequence[str] | None = None) -> None:
        types = list(field_types)
        for t in types:
            _check_type(t, "Types.ROW")
        names = list(field_names) if field_names is not None else [f"f{i}" for i in range(len(types))]
        if len(names) != len(types):
            raise ValueError(f"Types.ROW_NAMED got {len(names)} field names for {len(types)} field types")
        if len(set(names)) != len(names):
            raise ValueError(f"Types.ROW_NAMED has duplicate field names: {names}")
        self._types = types
        self._names = names
        display = "Row(" + ", ".join(f"{n}: {t}" for n, t in zip(names, types)) + ")"
        super().__init__("ROW", display)

    def get_field_names(self) -> list[str]:
        return list(self._names)

    def get_field_types(self) -> list[TypeInformation]:
        return list(self._types)

    def get_field_index(self, name: str) -> int:
        return self._names.index(name)

    def get_arity(self) -> int:
        return len(self._types)

    def _spec(self) -> Spec:
        return (self._kind, self._display, list(self._names), [t._spec() for t in self._types])


class TupleTypeInfo(TypeInformation):
    """Python tuples with typed positions."""

    def __init__(self, types: Sequence[TypeInformation]) -> None:
        self._types = list(types)
        for t in self._types:
            _check_type(t, "Types.TUPLE")
        super().__init__("TUPLE", "Tuple<" + ", ".join(str(t) for t in self._types) + ">")

    def get_field_types(self) -> list[TypeInformation]:
        return list(self._types)

    def _spec(self) -> Spec:
        return (self._kind, self._display, [], [t._spec() for t in self._types])


class _ElementTypeInfo(TypeInformation):
    def __init__(self, kind: str, name: str, element: TypeInformation) -> None:
        _check_type(element, f"Types.{kind}")
        self._element = element
        super().__init__(kind, f"{name}<{element}>")

    def _spec(self) -> Spec:
        return (self._kind, self._display, [], [self._element._spec()])


class ListTypeInfo(_ElementTypeInfo):
    """Python lists of one element type."""

    def __init__(self, element: TypeInformation) -> None:
        super().__init__("LIST", "List", element)


class BasicArrayTypeInfo(_ElementTypeInfo):
    """Arrays of a basic type (Python lists)."""

    def __init__(self, element: TypeInformation) -> None:
        super().__init__("BASIC_ARRAY", "BasicArray", element)


class PrimitiveArrayTypeInfo(_ElementTypeInfo):
    """Arrays of a primitive type (Python lists)."""

    def __init__(self, element: TypeInformation) -> None:
        super().__init__("PRIMITIVE_ARRAY", "PrimitiveArray", element)


class ObjectArrayTypeInfo(_ElementTypeInfo):
    """Arrays of any type (Python lists)."""

    def __init__(self, element: TypeInformation) -> None:
        super().__init__("OBJECT_ARRAY", "ObjectArray", element)


class MapTypeInfo(TypeInformation):
    """Python dicts with typed keys and values."""

    def __init__(self, key: TypeInformation, value: TypeInformation) -> None:
        _check_type(key, "Types.MAP")
        _check_type(value, "Types.MAP")
        self._key, self._value = key, value
        super().__init__("MAP", f"Map<{key}, {value}>")

    def _spec(self) -> Spec:
        return (self._kind, self._display, [], [self._key._spec(), self._value._spec()])


def _check_type(t: object, where: str) -> None:
    if not isinstance(t, TypeInformation):
        raise TypeError(f"{where} expects TypeInformation (e.g. Types.INT()), got {t!r}")


def _spec_of(t: TypeInformation | None) -> Spec | None:
    """The description the engine compiles; None means no type information."""
    if t is None:
        return None
    _check_type(t, "type_info")
    return t._spec()


class Types:
    """Factories of the types PyFlink's ``Types`` offers."""

    @staticmethod
    def STRING() -> TypeInformation:
        return BasicTypeInfo("STRING", "String")

    @staticmethod
    def BYTE() -> TypeInformation:
        return BasicTypeInfo("BYTE", "Byte")

    @staticmethod
    def BOOLEAN() -> TypeInformation:
        return BasicTypeInfo("BOOLEAN", "Boolean")

    @staticmethod
    def SHORT() -> TypeInformation:
        return BasicTypeInfo("SHORT", "Short")

    @staticmethod
    def INT() -> TypeInformation:
        return BasicTypeInfo("INT", "Integer")

    @staticmethod
    def LONG() -> TypeInformation:
        return BasicTypeInfo("LONG", "Long")

    @staticmethod
    def FLOAT() -> TypeInformation:
        return BasicTypeInfo("FLOAT", "Float")

    @staticmethod
    def DOUBLE() -> TypeInformation:
        return BasicTypeInfo("DOUBLE", "Double")

    @staticmethod
    def CHAR() -> TypeInformation:
        return BasicTypeInfo("CHAR", "Character")

    @staticmethod
    def BIG_INT() -> TypeInformation:
        return BasicTypeInfo("BIG_INT", "BigInteger")

    @staticmethod
    def BIG_DEC() -> TypeInformation:
        return BasicTypeInfo("BIG_DEC", "BigDecimal")

    @staticmethod
    def INSTANT() -> TypeInformation:
        return BasicTypeInfo("SQL_TIMESTAMP", "Instant")

    @staticmethod
    def SQL_DATE() -> TypeInformation:
        return BasicTypeInfo("SQL_DATE", "Date")

    @staticmethod
    def SQL_TIME() -> TypeInformation:
        return BasicTypeInfo("SQL_TIME", "Time")

    @staticmethod
    def SQL_TIMESTAMP() -> TypeInformation:
        return BasicTypeInfo("SQL_TIMESTAMP", "Timestamp")

    @staticmethod
    def PICKLED_BYTE_ARRAY() -> TypeInformation:
        return PickledBytesTypeInfo()

    @staticmethod
    def ROW(field_types: list[TypeInformation]) -> RowTypeInfo:
        return RowTypeInfo(field_types)

    @staticmethod
    def ROW_NAMED(field_names: list[str], field_types: list[TypeInformation]) -> RowTypeInfo:
        return RowTypeInfo(field_types, field_names)

    @staticmethod
    def TUPLE(field_types: list[TypeInformation]) -> TupleTypeInfo:
        return TupleTypeInfo(field_types)

    @staticmethod
    def PRIMITIVE_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return PrimitiveArrayTypeInfo(element_type)

    @staticmethod
    def BASIC_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return BasicArrayTypeInfo(element_type)

    @staticmethod
    def OBJECT_ARRAY(element_type: TypeInformation) -> TypeInformation:
        return ObjectArrayTypeInfo(element_type)

    @staticmethod
    def MAP(key_type_info: TypeInformation, value_type_info: TypeInformation) -> TypeInformation:
        return MapTypeInfo(key_type_info, value_type_info)

    @staticmethod
    def LIST(element_type_info: TypeInformation) -> TypeInformation:
        return ListTypeInfo(element_type_info)
