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
from collections.abc import Hashable
from decimal import Decimal
from typing import Any, TypeVar, cast

__all__ = ["from_json"]

T = TypeVar("T")


@functools.cache
def _hints(kind: Any) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _decode(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item) for item in value)
        return tuple(_decode(arg, item) for arg, item in zip(args, value, strict=True))
    if origin is typing.Literal:
        return value
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if hint is Decimal:
        return Decimal(value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return from_json(hint, value)
    return value


def from_json(kind: type[T], data: dict[str, Any]) -> T:
    """The record of dataclass ``kind`` that ``data`` (as ``to_json`` wrote it) describes."""
    hints = _hints(cast(Hashable, kind))
    values = {}
    for field in dataclasses.fields(kind):  # type: ignore[arg-type]
        if field.name in data:
            values[field.name] = _decode(hints[field.name], data[field.name])
    return kind(**values)
