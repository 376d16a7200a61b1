"""In-place ops: ``x += y``, ``x.mul_(2)``, ``x.zero_()``, ``x[i] = v``, ``x.copy_(y)``.

Each is the out-of-place op followed by ``Tensor._rebind``, the one place a tensor's data
and history change; so JAX's immutable arrays work the same way and version counters catch
saved tensors that were modified.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crossgrad.core import dtypes, grad_mode
from crossgrad.core.tensor import make
from crossgrad.ops import elementwise as ew
from crossgrad.ops._util import Tensor, cast, expect_tensor


def inplace(self: Tensor, op: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Run ``compute`` on an alias of ``self`` and make ``self`` hold the result."""
    self._check_inplace(op)
    alias = self._alias()
    result = compute(alias)
    if result.grad_fn is not None:
        result.grad_fn.snapshot_saved(alias)
    return self._rebind(result, op)


def maybe_inplace(
    input: Tensor,  # noqa: A002
    write_back: bool,
    name: str,
    fn: Callable[[Tensor], Tensor],
    reads_input: bool = False,
) -> Tensor:
    """``fn(input)``, written back into ``input`` when ``write_back`` (PyTorch's
    ``inplace=``).

    ``reads_input``: fn's backward reads its input, which the write-back overwrites; it then
    gets a copy, as PyTorch keeps the original for such in-place ops.
    """
    if not write_back:
        return fn(input)
    compute = (lambda x: fn(x.clone())) if reads_input else fn
    return inplace(input, name + "_", compute)


def _update(self: Tensor, op: str, how: str, other: Any, alpha: Any = 1) -> Tensor | None:
    """Update ``self`` in its own memory when there is no graph to record and nothing to
    promote or grow (an optimizer step, say): no temporaries beyond ``alpha * other``.

    Returns None when the general path (out-of-place op, then rebind) is needed.
    """
    recording = grad_mode.state.enabled
    if isinstance(other, Tensor):
        if (
            other._backend is not self._backend
            or other.dtype is not self.dtype
            or (recording and (self._requires_grad or other._requires_grad))
            or not _fits(other._data.shape, self._data.shape)
        ):
            return None
        value = other._data if alpha == 1 else other._data * alpha
    elif type(other) in (int, float) and type(alpha) in (int, float):
        category = self.dtype.category
        if recording and self._requires_grad:
            return None
        if category != dtypes.FLOATING and (
            category == dtypes.BOOL or how == "div" or float in (type(other), type(alpha))
        ):
            return None
        value = other * alpha
    else:
        return None
    self._check_inplace(op)
    self._assign(value, how)
    return self


def _fits(small: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Whether ``small`` broadcasts to ``shape`` without growing it."""
    if small == shape:
        return True
    if len(small) > len(shape):
        return False
    return all(s in (1, n) for s, n in zip(small[::-1], shape[::-1]))


def add_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    if _update(self, "add_", "add", other, alpha) is None:
        inplace(self, "add_", lambda a: ew.add(a, other, alpha=alpha))
    return self


def sub_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    if _update(self, "sub_", "sub", other, alpha) is None:
        inplace(self, "sub_", lambda a: ew.sub(a, other, alpha=alpha))
    return self


def mul_(self: Tensor, other: Any) -> Tensor:
    if _update(self, "mul_", "mul", other) is None:
        inplace(self, "mul_", lambda a: ew.mul(a, other))
    return self


def div_(self: Tensor, other: Any) -> Tensor:
    if _update(self, "div_", "div", other) is None:
        inplace(self, "div_", lambda a: ew.div(a, other))
    return self


def pow_(self: Tensor, exponent: Any) -> Tensor:
    return inplace(self, "pow_", lambda a: ew.pow(a, exponent))


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return inplace(self, "clamp_", lambda a: ew.clamp(a, min, max))


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place."""
    return fill_(self, 0)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` in place (a number, or a one-element tensor it is differentiable in)."""
    if isinstance(value, Tensor):
        return inplace(
            self, "fill_", lambda a: cast(value.reshape(()).expand(self.shape), self.dtype)
        )
    self._check_inplace("fill_")
    return self._rebind(
        make(self._backend.full(self._data.shape, value, self.dtype), self._backend),
        "fill_",
    )


def copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast to this tensor's shape, cast to its dtype) into it in place."""
    src = expect_tensor(src, "copy_", "src")
    return inplace(self, "copy_", lambda a: cast(src.expand(self.shape), self.dtype))


METHODS = {f.__name__: f for f in (add_, sub_, mul_, div_, pow_, clamp_, zero_, fill_, copy_)}
METHODS["clip_"] = clamp_
METHODS["__iadd__"] = add_
METHODS["__isub__"] = sub_
METHODS["__imul__"] = mul_
METHODS["__itruediv__"] = div_
