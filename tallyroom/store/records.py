"""Stored JSON back into typed records: the decoder of what :func:`~tallyroom.store.codec.to_json`
wrote (figures, decisions), driven by the records' own type hints.

Unknown keys are ignored and missing ones take the field's default, so a record written by an
older tallyroom still reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any, TypeVar, cast

__all__ = ["from_json"]

T = TypeVar("T")


Decoder = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _optional(decode: Decoder) -> Decoder:
    """``decode``, with ``None`` kept ``None``."""
    return lambda value: None if value is None else decode(value)


@functools.cache
def _decoder(hint: Any) -> Decoder:
    """The function that decodes a JSON value of type ``hint`` (made once per type)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _decoder(options[0]) if len(options) == 1 else _same
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            if item is _same:
                return _optional(tuple)
            return _optional(lambda value: tuple(item(x) for x in value))
        items = tuple(_decoder(arg) for arg in args)
        return _optional(
            lambda value: tuple(decode(x) for decode, x in zip(items, value, strict=True))
        )
    if origin is typing.Literal:
        return _same
    if hint is dt.date:
        return _optional(dt.date.fromisoformat)
    if hint is Decimal:
        return _optional(Decimal)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        kind = hint
        return _optional(lambda value: from_json(kind, value))
    return _same


@functools.cache
def _fields(kind: Any) -> tuple[tuple[str, Decoder], ...]:
    hints = typing.get_type_hints(kind)
    return tuple((field.name, _decoder(hints[field.name])) for field in dataclasses.fields(kind))


def from_json(kind: type[T], data: dict[str, Any]) -> T:
    """The record of dataclass ``kind`` that ``data`` (as ``to_json`` wrote it) describes."""
    fields = _fields(cast(Hashable, kind))
    return kind(**{name: decode(data[name]) for name, decode in fields if name in data})
