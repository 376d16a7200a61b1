"""Creating tensors: from data, filled, ranges, random; ``manual_seed``."""

from __future__ import annotations

from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError
from crossgrad.core.tensor import make
from crossgrad.ops._util import Tensor, shape_arg
from crossgrad.plugins import registry

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "rand_like",
    "randn_like",
    "arange",
    "linspace",
    "eye",
    "manual_seed",
    "rand",
    "randn",
    "randint",
]


def _backend(backend: Any) -> Any:
    return registry.get_backend(backend)


def _finish(data: Any, backend: Any, requires_grad: bool) -> Tensor:
    t = make(data, backend)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data: Any) -> dtypes.DType | None:
    """PyTorch's inference for Python data: floats -> default float, ints -> int64."""
    if isinstance(data, bool):
        return dtypes.bool_
    if isinstance(data, int):
        return dtypes.int64
    if isinstance(data, float):
        return dtypes.get_default_dtype()
    if isinstance(data, (list, tuple)):
        found = dtypes.bool_
        stack = list(data)
        while stack:
            item = stack.pop()
            if isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, Tensor):
                found = dtypes.promote(found, item.dtype)
            elif isinstance(item, bool):
                pass
            elif isinstance(item, int):
                found = dtypes.promote(found, dtypes.int64)
            elif isinstance(item, float):
                found = dtypes.promote(found, dtypes.get_default_dtype())
            else:
                return None
        return found if data else dtypes.get_default_dtype()
    return None


def tensor(
    data: Any, dtype: Any = None, backend: Any = None, requires_grad: bool = False
) -> Tensor:
    """Create a tensor holding a copy of ``data`` (nested lists, scalars or arrays).

    >>> import crossgrad
    >>> crossgrad.tensor([1, 2]).dtype, crossgrad.tensor([1.0, 2]).dtype
    (crossgrad.int64, crossgrad.float32)
    """
    return _from_data(data, dtype, backend, requires_grad, copy=True)


def as_tensor(data: Any, dtype: Any = None, backend: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when dtype and backend allow.

    A device array (CuPy's, JAX's) becomes a tensor of its own backend unless ``backend=``
    names another, which converts it; NumPy arrays and Python data go to the default
    backend.

    >>> import numpy as np, crossgrad
    >>> a = np.zeros(2)
    >>> t = crossgrad.as_tensor(a)
    >>> a[0] = 5.0
    >>> t
    tensor([5., 0.], dtype=crossgrad.float64)
    """
    if isinstance(data, Tensor) and dtype is None and backend is None:
        return data
    return _from_data(data, dtype, backend, False, copy=None)


def from_numpy(array: Any) -> Tensor:
    """Wrap a NumPy array without copying (NumPy backend)."""
    import numpy as np

    if not isinstance(array, np.ndarray):
        raise DTypeError(
            f"from_numpy: expected a numpy.ndarray, received {type(array).__name__}",
            hint="use crossgrad.tensor(data)",
        )
    if dtypes.from_native(array.dtype) is None:
        raise DTypeError(
            f"from_numpy: unsupported dtype={array.dtype}",
            hint="cast the array to a float, int or bool dtype first",
        )
    owner = registry.array_backend(array)
    assert owner is not None, "a backend owns NumPy's arrays"
    return make(array, _backend(owner.name))


def _from_data(
    data: Any, dtype: Any, backend: Any, requires_grad: bool, copy: bool | None
) -> Tensor:
    # The backend whose array ``data`` is, recognised without importing any library. A
    # device array (CuPy, JAX) stays on it by default, where it is usable; host arrays
    # (NumPy's), like lists, go to the default backend.
    owner = registry.array_backend(data)
    home = None if owner is None or owner.host_arrays else owner
    b = None
    if backend is None and home is not None and home.unavailable_reason() is None:
        b = home
    if b is None:
        b = _backend(backend)
    want = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(data, Tensor):
        src = data.detach()
        if want is not None:
            src = src.to(want)
        arr = src._data
        if src._backend is not b:
            arr = b.from_foreign(arr, src._backend, copy=copy)
        elif copy:
            arr = b.copy(arr)
        return _finish(arr, b, requires_grad)
    if home is not None and home.name != b.name:
        arr = b.from_foreign(data, _backend(home.name), copy=copy)
        if want is not None and dtypes.from_native(arr.dtype) is not want:
            arr = b.astype(arr, want)
        return _finish(_checked(arr), b, requires_grad)
    if want is None and owner is None:
        want = _infer_dtype(data)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [x.tolist() if isinstance(x, Tensor) else x for x in data]
    return _finish(_checked(b.asarray(data, want, copy=copy)), b, requires_grad)


def _checked(arr: Any) -> Any:
    if dtypes.from_native(arr.dtype) is None:
        raise DTypeError(
            f"tensor: unsupported dtype {arr.dtype}",
            hint="pass dtype= or convert the data to float, int or bool",
        )
    return arr


def _dtype_or_default(dtype: Any) -> dtypes.DType:
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def zeros(
    *size: Any, dtype: Any = None, backend: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    b = _backend(backend)
    return _finish(b.zeros(shape_arg("zeros", size), _dtype_or_default(dtype)), b, requires_grad)


def ones(*size: Any, dtype: Any = None, backend: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return full(
        shape_arg("ones", size),
        1,
        dtype=_dtype_or_default(dtype),
        backend=backend,
        requires_grad=requires_grad,
    )


def full(
    size: Any, fill_value: Any, dtype: Any = None, backend: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor filled with ``fill_value`` (its dtype inferred from the value)."""
    b = _backend(backend)
    d = dtypes.scalar_dtype(fill_value) if dtype is None else dtypes.as_dtype(dtype)
    return _finish(b.full(shape_arg("full", (size,)), fill_value, d), b, requires_grad)


def empty(
    *size: Any, dtype: Any = None, backend: Any = None, requires_grad: bool = False
) -> Tensor:
    """An uninitialised tensor (zeros here, so results never depend on stale memory)."""
    return zeros(*size, dtype=dtype, backend=backend, requires_grad=requires_grad)


def _like(input: Tensor, dtype: Any, backend: Any) -> tuple[Any, Any]:
    return (input.dtype if dtype is None else dtype, input._backend if backend is None else backend)


def zeros_like(
    input: Tensor,
    dtype: Any = None,
    backend: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    d, b = _like(input, dtype, backend)
    return zeros(input.shape, dtype=d, backend=b, requires_grad=requires_grad)


def ones_like(
    input: Tensor,
    dtype: Any = None,
    backend: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    d, b = _like(input, dtype, backend)
    return ones(input.shape, dtype=d, backend=b, requires_grad=requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    dtype: Any = None,  # noqa: A002
    backend: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    d, b = _like(input, dtype, backend)
    return full(input.shape, fill_value, dtype=d, backend=b, requires_grad=requires_grad)


def empty_like(
    input: Tensor,
    dtype: Any = None,
    backend: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    return zeros_like(input, dtype=dtype, backend=backend, requires_grad=requires_grad)


def rand_like(
    input: Tensor,
    dtype: Any = None,
    backend: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    d, b = _like(input, dtype, backend)
    return rand(input.shape, dtype=d, backend=b, requires_grad=requires_grad)


def randn_like(
    input: Tensor,
    dtype: Any = None,
    backend: Any = None,  # noqa: A002
    requires_grad: bool = False,
) -> Tensor:
    d, b = _like(input, dtype, backend)
    return randn(input.shape, dtype=d, backend=b, requires_grad=requires_grad)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    dtype: Any = None,
    backend: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` by ``step``."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero\nhint: pass a positive or negative step")
    b = _backend(backend)
    if dtype is None:
        floaty = any(isinstance(v, float) for v in (start, end, step))
        d = dtypes.get_default_dtype() if floaty else dtypes.int64
    else:
        d = dtypes.as_dtype(dtype)
    arr = b.xp.arange(start, end, step, dtype=b.native_dtype(d))
    return _finish(arr, b, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: Any = None,
    backend: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    b = _backend(backend)
    d = _dtype_or_default(dtype)
    arr = b.xp.linspace(start, end, steps, dtype=b.native_dtype(d))
    return _finish(arr, b, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    dtype: Any = None,
    backend: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """An identity matrix of ``n`` rows (and ``m`` columns)."""
    b = _backend(backend)
    arr = b.xp.eye(n, m, dtype=b.native_dtype(_dtype_or_default(dtype)))
    return _finish(arr, b, requires_grad)


def manual_seed(seed: int) -> None:
    """Seed the random generator of every usable backend, as ``torch.manual_seed``."""
    for name in registry.usable_backends():
        registry.get_backend(name).manual_seed(seed)


def rand(*size: Any, dtype: Any = None, backend: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1)."""
    b = _backend(backend)
    return _finish(b.rand(shape_arg("rand", size), _dtype_or_default(dtype)), b, requires_grad)


def randn(
    *size: Any, dtype: Any = None, backend: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples."""
    b = _backend(backend)
    return _finish(b.randn(shape_arg("randn", size), _dtype_or_default(dtype)), b, requires_grad)


def randint(
    low: int, high: Any = None, size: Any = None, dtype: Any = None, backend: Any = None
) -> Tensor:
    """Integers from ``low`` to ``high`` - 1: ``randint(10, (3,))`` or ``randint(0, 10, (3,))``."""
    if size is None:
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    b = _backend(backend)
    d = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    return _finish(b.randint(low, high, shape_arg("randint", (size,)), d), b, False)
