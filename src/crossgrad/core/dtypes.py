"""crossgrad's dtypes and PyTorch's type promotion rules.

A dtype is a small named object (``crossgrad.float32``); backends map it to their own.
Promotion follows PyTorch: within a category (bool < integer < floating) the wider dtype
wins; tensors with dimensions outrank 0-d tensors, which outrank Python scalars, unless the
lower-ranked operand is of a higher category. A Python float never upcasts a float32 tensor,
and an integer tensor with a float scalar gives the default float dtype.
"""

from __future__ import annotations

import numpy as np

from crossgrad.core.errors import DTypeError

BOOL, INTEGER, FLOATING = 0, 1, 2


class DType:
    """A tensor element type: ``crossgrad.float32``, ``crossgrad.int64``, ..."""

    __slots__ = ("name", "itemsize", "category")

    def __init__(self, name: str, itemsize: int, category: int) -> None:
        self.name = name
        self.itemsize = itemsize
        self.category = category

    @property
    def is_floating_point(self) -> bool:
        return self.category == FLOATING

    def __repr__(self) -> str:
        return f"crossgrad.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool_ = DType("bool", 1, BOOL)
uint8 = DType("uint8", 1, INTEGER)
int8 = DType("int8", 1, INTEGER)
int16 = DType("int16", 2, INTEGER)
int32 = DType("int32", 4, INTEGER)
int64 = DType("int64", 8, INTEGER)
float16 = DType("float16", 2, FLOATING)
#: Held by backends whose arrays have it (JAX; NumPy and CuPy have no bfloat16).
bfloat16 = DType("bfloat16", 2, FLOATING)
float32 = DType("float32", 4, FLOATING)
float64 = DType("float64", 8, FLOATING)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
BY_NAME = {d.name: d for d in ALL}
# PyTorch's aliases, accepted wherever a dtype name is.
BY_NAME.update(
    {
        "half": float16,
        "float": float32,
        "double": float64,
        "int": int32,
        "long": int64,
        "short": int16,
    }
)

_default_float = float32
_promoted: dict[tuple[DType, DType], DType] = {}


def get_default_dtype() -> DType:
    """Return the dtype that Python floats and float creation functions get."""
    return _default_float


def set_default_dtype(dtype: DType | str) -> None:
    """Set the default floating dtype (``float32`` unless changed), as PyTorch's does.

    >>> import crossgrad
    >>> crossgrad.set_default_dtype(crossgrad.float64)
    >>> crossgrad.tensor([1.0]).dtype
    crossgrad.float64
    >>> crossgrad.set_default_dtype(crossgrad.float32)
    """
    global _default_float
    d = as_dtype(dtype)
    if d.category != FLOATING:
        raise DTypeError(
            f"set_default_dtype: the default dtype must be floating, received dtype={d!r}",
            hint="pass crossgrad.float32 or crossgrad.float64",
        )
    _default_float = d


def as_dtype(dtype: object) -> DType:
    """Return the crossgrad dtype named by a DType, a name, a Python type or a native dtype."""
    if isinstance(dtype, DType):
        return dtype
    if dtype is float:
        return _default_float
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    if isinstance(dtype, str) and dtype in BY_NAME:
        return BY_NAME[dtype]
    found = from_native(dtype)
    if found is None:
        names = ", ".join(d.name for d in ALL)
        raise DTypeError(f"unknown dtype: dtype={dtype!r}", hint=f"use one of {names}")
    return found


def from_native(native: object) -> DType | None:
    """Return the crossgrad dtype of a backend's dtype object, or None if it has none."""
    hit = NATIVE.get(id(native))
    if hit is None or hit[0] is not native:
        hit = native_entry(native)
    return hit[1]


def category_of(native: object) -> int:
    """The category (BOOL, INTEGER, FLOATING) of a backend dtype; -1 if crossgrad has none."""
    hit = NATIVE.get(id(native))
    if hit is None or hit[0] is not native:
        hit = native_entry(native)
    return hit[2]


#: Backend dtype objects met so far, by ``id``: ``(native, dtype or None, category)``.
#: Keyed by identity, not equality: dtype objects of two array libraries may hash alike, and
#: comparing them is an error (array-api-strict warns) or meaningless. The entry holds the
#: object, so its id stays its own while the entry lives.
NATIVE: dict[int, tuple[object, DType | None, int]] = {}
_NATIVE_LIMIT = 4096  # beyond this, dtypes made afresh per array are looked up, not kept


def native_entry(native: object) -> tuple[object, DType | None, int]:
    """Look up a backend dtype by its name (``.name``, or ``str()``: ``"float32"``,
    ``"<f4"``, ``"array_api_strict.float32"``) and remember it in :data:`NATIVE`."""
    name = getattr(native, "name", None) or str(native)
    try:
        name = np.dtype(name).name
    except TypeError:
        name = name.rpartition(".")[2]  # a namespace-qualified name
    found = BY_NAME.get(name)
    entry = (native, found, -1 if found is None else found.category)
    if len(NATIVE) < _NATIVE_LIMIT:
        NATIVE[id(native)] = entry
    return entry


def promote(a: DType, b: DType) -> DType:
    """Return the dtype of combining two tensors of equal rank priority."""
    if a is b:
        return a
    key = (a, b)
    found = _promoted.get(key)
    if found is None:
        if a.category != b.category:
            found = a if a.category > b.category else b
        elif bfloat16 in key:
            # NumPy knows no bfloat16; with float16 PyTorch gives float32, else the wider.
            found = float32 if a.itemsize == b.itemsize else max(key, key=lambda d: d.itemsize)
        else:
            found = BY_NAME[np.promote_types(a.name, b.name).name]
        _promoted[key] = found
    return found


def is_low_precision(d: DType | None) -> bool:
    """Whether ``d`` is a 16-bit float, which reductions accumulate in float32 (as
    PyTorch does)."""
    return d is float16 or d is bfloat16


def scalar_dtype(value: object) -> DType:
    """Return the dtype a Python scalar gets on its own."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return _default_float


def result_type(*operands: object) -> DType:
    """Return PyTorch's result dtype for tensors and Python scalars combined in one op."""
    dim = zero = scalar = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, DType):
            if x.ndim:  # type: ignore[attr-defined]
                dim = d if dim is None else promote(dim, d)
            else:
                zero = d if zero is None else promote(zero, d)
        else:
            s = scalar_dtype(x)
            scalar = s if scalar is None else promote(scalar, s)
    result = dim
    if zero is not None and (result is None or zero.category > result.category):
        result = zero
    if scalar is not None:
        if result is None:
            result = scalar
        elif scalar.category > result.category:
            result = _category_default(scalar)
    assert result is not None, "result_type needs at least one operand"
    return result


def _category_default(d: DType) -> DType:
    return _default_float if d.category == FLOATING else (int64 if d.category == INTEGER else d)
