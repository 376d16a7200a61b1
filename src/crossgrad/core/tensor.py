"""TensorBase: one backend array, its autograd bookkeeping, and the one place it mutates.

The public ``crossgrad.Tensor`` (``crossgrad/_tensor.py``) subclasses it and declares every
op method and operator; this file holds only what autograd itself relies on. ``make`` wraps
arrays in that public class, which registers itself here (as PyTorch's Tensor registers
with its C++ core), so that ``core`` imports nothing of the op layer.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from crossgrad.core import dtypes, grad_mode
from crossgrad.core.errors import DTypeError, GraphError, InplaceError, ShapeError

if TYPE_CHECKING:
    from crossgrad._tensor import Tensor

_Self = TypeVar("_Self", bound="TensorBase")


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook back out."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class TensorBase:
    """The autograd part of every tensor: data, backend, gradient, history, version.

    Users meet it as ``crossgrad.Tensor``, which adds the op methods and operators.
    """

    __slots__ = (
        "_data",
        "_backend",
        "_requires_grad",
        "grad_fn",
        "_version",
        "__dict__",
        "__weakref__",
    )
    _data: Any  # the backend's array
    _backend: Any  # the Backend that owns it
    _requires_grad: bool
    grad_fn: Any  # the Node that made it, None for leaves
    _version: list[int]  # shared with views and detached aliases
    # Rarely differ from these defaults, so creating a tensor sets only the slots above
    # (every op creates one); a tensor that needs them gets them in its __dict__.
    _grad: Tensor | None = None
    _out_idx = 0
    _base: Tensor | None = None
    _hooks: list[Any] | None = None
    _retains_grad = False
    # Tensor wins over NumPy arrays in mixed binary operators (ndarray + Tensor -> Tensor).
    __array_priority__ = 1000

    def _become(self, other: TensorBase) -> None:
        """Take over ``other``'s data and history (a constructor that builds through an op)."""
        for name in TensorBase.__slots__[:-2]:
            setattr(self, name, getattr(other, name))

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_native(self._data.dtype)  # type: ignore[return-value]

    @property
    def backend(self) -> str:
        return self._backend.name

    @property
    def device(self) -> str:
        return self._backend.device_of(self._data)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    @property
    def grad(self) -> Tensor | None:
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, TensorBase):
                raise DTypeError(
                    f"grad: expected a Tensor or None, received {type(value).__name__}",
                    hint="assign a Tensor of the same shape, or None",
                )
            if value.shape != self.shape:
                raise ShapeError(
                    f"grad: assigned gradient has the wrong shape: grad.shape={value.shape}, "
                    f"tensor.shape={self.shape}",
                    hint="assign a gradient of the tensor's shape",
                )
        self._grad = value

    def size(self, dim: int | None = None) -> Any:
        """Return the shape, or the length of one dim, as PyTorch's ``size``."""
        if dim is None:
            return self.shape
        return self.shape[normalize_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    def dim(self) -> int:
        return self._data.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise ShapeError("len: a 0-d tensor has no length", hint="use .item() for its value")
        return self._data.shape[0]

    def _check_iterable(self) -> None:
        if self.ndim == 0:
            raise ShapeError("iter: cannot iterate over a 0-d tensor", hint="use .item()")

    # ------------------------------------------------------------------ conversion out
    def numpy(self) -> Any:
        """Return the values as a NumPy array (shared memory on the NumPy backend)."""
        if self._requires_grad and grad_mode.state.enabled:
            raise GraphError(
                "numpy: cannot convert a tensor that requires grad",
                hint="call tensor.detach().numpy() to take the values without the graph",
            )
        return self._backend.to_numpy(self._data)

    def item(self) -> Any:
        """Return the value of a one-element tensor as a Python scalar."""
        if self.numel() != 1:
            raise ShapeError(
                f"item: only one-element tensors convert to a Python scalar, "
                f"received shape={self.shape}",
                hint="index one element first, or reduce with .sum() / .mean()",
            )
        return self._backend.to_numpy(self._data).reshape(()).item()

    def tolist(self) -> Any:
        return self._backend.to_numpy(self._data).tolist()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise ShapeError(
                f"bool: the truth value of a tensor with {self.numel()} elements is "
                f"ambiguous: shape={self.shape}",
                hint="use .any() or .all() to reduce it to one value",
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __index__(self) -> int:
        if self.dtype.category != dtypes.INTEGER:
            raise DTypeError(
                f"index: only integer tensors can be used as an index, "
                f"received dtype={self.dtype!r}",
                hint="cast with .long()",
            )
        return int(self._scalar("index"))

    def _scalar(self, what: str) -> Any:
        if self.numel() != 1:
            raise ShapeError(
                f"{what}: only one-element tensors convert to a Python scalar, "
                f"received shape={self.shape}",
                hint="index one element first, or reduce with .sum() / .mean()",
            )
        return self.item()

    def __repr__(self) -> str:
        import numpy as np

        values = np.asarray(self._backend.to_numpy(self._data))
        if self.dtype is dtypes.bfloat16:  # NumPy prints ml_dtypes' bfloat16 as integers
            values = values.astype(np.float32)
        body = np.array2string(values, separator=", ", precision=4, prefix="tensor(")
        extras = []
        if self.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
            extras.append(f"dtype={self.dtype!r}")
        if not self._backend.host_arrays:  # the host-array backend (NumPy) goes unnamed
            extras.append(f"backend='{self._backend.name}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def __hash__(self) -> int:
        return id(self)

    # ------------------------------------------------------------------ autograd
    def requires_grad_(self: _Self, requires_grad: bool = True) -> _Self:
        """Set whether autograd records ops on this leaf tensor; returns the tensor."""
        if self.grad_fn is not None:
            if not requires_grad:
                raise GraphError(
                    "requires_grad_: only leaf tensors can stop requiring grad",
                    hint="use tensor.detach() for a copy outside the graph",
                )
            return self
        if requires_grad and self.dtype.category != dtypes.FLOATING:
            raise DTypeError(
                f"requires_grad_: only floating point tensors can require gradients, "
                f"received dtype={self.dtype!r}",
                hint="cast first, e.g. tensor.float().requires_grad_()",
            )
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """Return a tensor sharing this one's data and version counter, outside the graph.

        Writing into it in place is allowed; the shared version counter then makes any
        backward that saved the original raise, as in PyTorch.
        """
        return make(self._data, self._backend, version=self._version)

    def detach_(self: _Self) -> _Self:
        """Cut this tensor out of the graph in place and make it a leaf."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on a non-leaf tensor after backward, as leaves do."""
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        self.grad_fn.add_retained(self._out_idx, weakref.ref(self))

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` whenever this tensor's gradient is computed.

        A hook that returns a tensor replaces the gradient.
        """
        if not self._requires_grad:
            raise GraphError(
                "register_hook: cannot register a hook on a tensor that does not require grad",
                hint="call requires_grad_() first",
            )
        if self.grad_fn is not None:
            return self.grad_fn.add_pre_hook(self._out_idx, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves."""
        from crossgrad.core import engine

        engine.backward(
            (self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs
        )

    # ------------------------------------------------------------------ mutation
    def _assign(self, data: Any, how: str = "set") -> None:
        """Write ``data`` into this tensor, or update it (``how="add"``, ``"sub"``, ...):
        the one place a tensor's values change."""
        self._data = self._backend.write(self._data, data, how)
        self._version[0] += 1

    def _check_inplace(self, op: str) -> None:
        """Raise before an in-place op that autograd could not account for."""
        if not grad_mode.state.enabled:
            return
        if self._requires_grad and self.grad_fn is None:
            raise InplaceError(
                f"{op}: a leaf tensor that requires grad cannot be modified in place",
                hint="wrap the update in `with crossgrad.no_grad():`, or work on a clone()",
            )
        base = self._base
        if base is not None and (base._requires_grad or self._requires_grad):
            raise InplaceError(
                f"{op}: cannot modify in place a view of a tensor that is part of a graph",
                hint="clone() the view first, or use the out-of-place op",
            )

    def _rebind(self: _Self, result: TensorBase, op: str) -> _Self:
        """Make this tensor hold ``result``: values, and history when recording."""
        if result.shape != self.shape:
            raise ShapeError(
                f"{op}: the in-place result has shape {result.shape}, which does not match "
                f"the tensor's shape {self.shape}",
                hint="use the out-of-place op, whose result may broadcast to a new shape",
            )
        mine, theirs = self.dtype, result.dtype
        if theirs.category > mine.category:
            raise DTypeError(
                f"{op}: result type {theirs.name} can't be cast to the tensor's dtype "
                f"{mine.name} in place",
                hint=f"use the out-of-place op, or cast first with .to(crossgrad.{theirs.name})",
            )
        data = result._data
        if theirs is not mine:
            data = self._backend.astype(data, mine)
        self._assign(data)
        if not grad_mode.state.enabled:
            return self
        if result._requires_grad:
            self.grad_fn = result.grad_fn
            self._out_idx = result._out_idx
            self._requires_grad = True
        elif self.grad_fn is not None:
            # Overwritten by values that depend on nothing differentiable: history ends here.
            self.grad_fn = None
            self._requires_grad = False
        return self

    def _alias(self) -> Tensor:
        """A second Tensor object for the same data and history (inputs of in-place ops)."""
        t = make(
            self._data,
            self._backend,
            self._requires_grad,
            self.grad_fn,
            self._out_idx,
            self._version,
            self._base,
        )
        return t


_new = object.__new__
#: The class ``make`` creates: ``crossgrad.Tensor`` once ``crossgrad._tensor`` registers it.
_tensor_class: Any = TensorBase


def register_tensor_class(cls: type[TensorBase]) -> None:
    """Make ``cls`` (the public ``crossgrad.Tensor``) the class of every tensor ops create."""
    global _tensor_class
    _tensor_class = cls


def make(
    data: Any,
    backend: Any,
    requires_grad: bool = False,
    grad_fn: Any = None,
    out_idx: int = 0,
    version: list[int] | None = None,
    base: Tensor | None = None,
) -> Tensor:
    """Wrap a backend array in a Tensor without copying or checking it."""
    t = _new(_tensor_class)
    t._data = data
    t._backend = backend
    t._requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._version = [0] if version is None else version
    if out_idx:
        t._out_idx = out_idx
    if base is not None:
        t._base = base
    return t


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """Return ``dim`` as a non-negative index, or raise naming the op and the valid range."""
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not lo <= dim <= hi:
        raise ShapeError(
            f"{op}: dim out of range: dim={dim}, tensor.ndim={ndim}",
            hint=f"pick a dim in [{lo}, {hi}]",
        )
    return dim % ndim if ndim else 0
