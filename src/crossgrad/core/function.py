"""The Function protocol: ``forward(ctx, ...)`` / ``backward(ctx, ...)`` and the graph node.

A recorded op is a :class:`Node`; the node is also the ``ctx`` its forward and backward see,
as in PyTorch. Users subclass :class:`Function` (forward on Tensors); built-in ops subclass
:class:`Op`, the lighter internal form of the same contract whose forward runs on raw backend
arrays through named kernels. The engine cannot tell the two apart.
"""

from __future__ import annotations

import functools
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crossgrad.core import dtypes, grad_mode
from crossgrad.core.errors import BackendMismatchError, GraphError, InplaceError, PluginError
from crossgrad.core.tensor import RemovableHandle, TensorBase, make

if TYPE_CHECKING:
    from crossgrad._tensor import Tensor

#: Portable kernels by name: pure functions ``(xp, *arrays, **params) -> array`` written
#: against the array-API namespace. A backend's ``kernels`` dict overrides them by name.
PORTABLE_KERNELS: dict[str, Callable[..., Any]] = {}


#: Callbacks ``observer(op, inputs, result)`` run after every top-level op, built-in or user
#: Function (``op`` is its class, ``result`` what apply returned). Empty in normal use; the
#: divergence locator in crossgrad.testing observes a model's ops through it.
OBSERVERS: list[Callable[[type, tuple[Any, ...], Any], None]] = []


class _Observing(threading.local):
    active = False


_observing = _Observing()


def _observed_apply(cls: type, args: tuple[Any, ...], params: dict[str, Any]) -> Any:
    """Apply ``cls`` with observation off inside it, then report it to the observers."""
    _observing.active = True
    try:
        result = cls.apply(*args, **params)  # type: ignore[attr-defined]
    finally:
        _observing.active = False
    for observer in list(OBSERVERS):
        observer(cls, args, result)
    return result


def portable_kernel(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the portable kernel of ``name`` (decorator)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _register_portable(name, fn)
        return fn

    return register


def _register_portable(name: str, fn: Callable[..., Any]) -> None:
    """Make ``fn`` the portable kernel of ``name``; a package may redefine its own kernels
    (a module reloaded), never another package's (a plugin op named like a built-in)."""
    existing = PORTABLE_KERNELS.get(name)
    package = getattr(fn, "__module__", "").partition(".")[0]
    if existing is not None and getattr(existing, "__module__", "").partition(".")[0] != package:
        raise PluginError(
            f"kernel name {name!r} of {fn.__module__}.{fn.__qualname__} is already the portable "
            f"kernel of {existing.__module__}.{existing.__qualname__}",
            hint="name a plugin's ops '<namespace>.<op>' (its own namespace); to replace a "
            "kernel on one backend, return a KernelSpec(..., override=True)",
        )
    PORTABLE_KERNELS[name] = fn


class _Saved:
    """One tensor kept for backward, with the version it had when saved."""

    __slots__ = ("tensor", "data", "version_ref", "version", "out_idx")

    def __init__(
        self, tensor: Tensor | None, data: Any, version_ref: list[int], out_idx: int
    ) -> None:
        self.tensor = tensor  # inputs and constants; None for outputs (no reference cycle)
        self.data = data
        self.version_ref = version_ref
        self.version = version_ref[0]
        self.out_idx = out_idx


class Node:
    """A recorded op: the ``ctx`` of its Function, and one vertex of the autograd graph."""

    # Non-tensor state for backward (shapes, dims, scalars) is kept as attributes of the
    # ctx, by built-in ops and user Functions alike (``ctx.dims = dims``), as in PyTorch.
    __slots__ = (
        "fn",
        "backend",
        "next_edges",
        "_to_save",
        "_saved",
        "__dict__",
        "__weakref__",
    )
    fn: type[Function]
    backend: Any
    next_edges: tuple[Any, ...]
    _to_save: tuple[Any, ...]
    _saved: tuple[_Saved | None, ...] | None

    if TYPE_CHECKING:
        # Ops keep their own state for backward as attributes of the ctx (``ctx.dims``).
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    # Rarely set, so class-level defaults keep creating a node cheap (set per node in
    # its __dict__ when used).
    materialize_grads = True
    _non_differentiable: tuple[Any, ...] = ()
    _dirty: tuple[Any, ...] = ()
    _out_meta: tuple[Any, ...] | None = None
    _in_meta: tuple[Any, ...] | None = None
    _pre_hooks: dict[int, list[Any]] | None = None
    _retained: dict[int, Any] | None = None
    _trace: list[str] | None = None

    @property
    def xp(self) -> Any:
        """The array-API namespace of this node's backend."""
        return self.backend.xp

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One flag per forward argument: whether backward must compute its gradient."""
        return tuple(e is not None for e in self.next_edges)

    @property
    def name(self) -> str:
        return self.fn.__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name}>"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """The (node or leaf tensor, output index) pairs this node's gradients flow to."""
        return tuple(e if e is not None else (None, 0) for e in self.next_edges)

    # ---------------------------------------------------------------- kernels
    def run(self, name: str, *arrays: Any, **params: Any) -> Any:
        """Run the kernel ``name`` on this node's backend: its override or the portable one."""
        kernel = self.backend.kernels.get(name) or PORTABLE_KERNELS[name]
        return kernel(self.xp, *arrays, **params)

    def call(self, *arrays: Any, **params: Any) -> Any:
        """Run the kernel named after this node's op."""
        backend = self.backend
        name = self.fn.name
        kernel = backend.kernels.get(name) or PORTABLE_KERNELS[name]
        return kernel(backend.xp, *arrays, **params)

    # ---------------------------------------------------------------- ctx API
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (inputs, outputs or others) for backward; None is kept as None."""
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """The tensors given to ``save_for_backward``, checked against in-place changes."""
        if self._saved is None:
            raise GraphError(
                f"{self.name}: trying to backward through the graph a second time; its saved "
                "tensors were freed after the first backward",
                hint="pass retain_graph=True to the first backward() or autograd.grad()",
            )
        out: list[Any] = []  # None stays None, as PyTorch gives it back
        for i, s in enumerate(self._saved):
            if s is None:
                out.append(None)
                continue
            if s.version_ref[0] != s.version:
                raise InplaceError(
                    f"{self.name}: saved tensor {i} was modified by an in-place operation "
                    f"after it was saved: saved at version {s.version}, now at version "
                    f"{s.version_ref[0]}",
                    hint="compute on a clone() instead of modifying in place, "
                    "or do the in-place change before the op that uses the tensor",
                )
            if s.tensor is not None:
                out.append(s.tensor)
            else:
                out.append(make(s.data, self.backend, True, self, s.out_idx, s.version_ref))
        return tuple(out)

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs that have no gradient (indices, masks)."""
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that forward modified in place."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward gets zeros (True, the default) or None for unused outputs."""
        self.materialize_grads = value

    def add_pre_hook(self, out_idx: int, hook: Callable[[Tensor], Any]) -> RemovableHandle:
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(out_idx, [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def add_retained(self, out_idx: int, tensor_ref: Any) -> None:
        """Store output ``out_idx``'s gradient on the (weakly referenced) tensor, after
        every hook has run (``retain_grad``)."""
        if self._retained is None:
            self._retained = {}
        self._retained[out_idx] = tensor_ref

    def snapshot_saved(self, tensor: Tensor) -> None:
        """Give saved records of ``tensor`` a private copy of its values.

        An in-place op saves its own input and then overwrites it; the copy keeps what
        backward needs (PyTorch keeps the "original self" the same way).
        """
        for record in self._saved or ():
            if record is not None and record.tensor is tensor:
                copy = make(
                    self.backend.copy(tensor._data),
                    self.backend,
                    tensor._requires_grad,
                    tensor.grad_fn,
                    tensor._out_idx,
                )
                record.tensor, record.data = copy, copy._data
                record.version_ref, record.version = copy._version, 0


def _edge(t: Tensor) -> Any:
    if not t._requires_grad:
        return None
    fn = t.grad_fn
    return (t, 0) if fn is None else (fn, t._out_idx)


def _mismatch(op: str, a: Any, b: Any) -> BackendMismatchError:
    return BackendMismatchError(
        f"{op}: tensors on two backends: {a.name!r} and {b.name!r}",
        hint=f"move one with .to({a.name!r}) or .to({b.name!r}); crossgrad never moves "
        "data between backends silently",
    )


def _resolve_saved(node: Node, inputs: Any, outputs: tuple[Any, ...], out_tensors: Any) -> None:
    """Turn what forward passed to save_for_backward into version-checked records."""
    to_save = node._to_save
    if len(to_save) == 1 and len(outputs) == 1 and to_save[0] is outputs[0]:
        t = out_tensors[0]  # the common case: an op keeps its own output
        node._saved = (_Saved(None, t._data, t._version, 0),)
        node._to_save = ()
        return
    saved: list[_Saved | None] = []
    for item in node._to_save:
        if item is None:
            saved.append(None)
            continue
        for j, o in enumerate(outputs):
            if item is o:
                t = out_tensors[j]
                saved.append(_Saved(None, t._data, t._version, j))
                break
        else:
            t = item
            if not isinstance(item, TensorBase):
                t = next((x for x in inputs if isinstance(x, TensorBase) and x._data is item), None)
                if t is None:
                    t = make(item, node.backend)
            saved.append(_Saved(t, t._data, t._version, 0))
    node._saved = tuple(saved)
    node._to_save = ()


class Function:
    """Base class of user-defined differentiable ops (PyTorch's ``autograd.Function``).

    >>> import crossgrad
    >>> class Cube(crossgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 3 * x * x
    >>> x = crossgrad.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
    tensor([12.])
    """

    #: whether the engine checks count, shape and dtype of what backward returns
    _check_gradients = True
    #: whether forward takes and returns backend arrays (built-in ops) instead of Tensors
    _on_arrays = False
    #: the op's kernel name (built-in ops); user Functions are named by their class
    name = ""

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Node, *grads: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, ...)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward and, when some input requires grad, record a node for backward."""
        # The hot path of every op, user Function or built-in: kept flat on purpose.
        if OBSERVERS and not _observing.active:
            return _observed_apply(cls, args, kwargs)
        backend = None
        requires = False
        arrays = []
        for a in args:
            if isinstance(a, TensorBase):
                b = a._backend
                if b is not backend:
                    if backend is not None:
                        raise _mismatch(cls.name or cls.__name__, backend, b)
                    backend = b
                if a._requires_grad:
                    requires = True
                arrays.append(a._data)
            else:
                arrays.append(a)
        ctx = _new(Node)
        ctx.fn = cls
        ctx.backend = backend
        ctx._to_save = ()
        state = grad_mode.state
        record = requires and state.enabled
        if record:
            edges: list[tuple[Any, int] | None] = []
            for a in args:
                if isinstance(a, TensorBase) and a._requires_grad:
                    fn = a.grad_fn
                    edges.append((a, 0) if fn is None else (fn, a._out_idx))
                else:
                    edges.append(None)
            ctx.next_edges = tuple(edges)
            if state.anomaly:
                ctx._trace = traceback.format_stack()[:-1]
        if not cls._on_arrays:
            if not record:
                ctx.next_edges, ctx._saved = (), ()
            with grad_mode.no_grad():
                result = cls.forward(ctx, *args, **kwargs)
            return _wrap_tensors(cls, ctx, args, result, record)
        result = cls.forward(ctx, *arrays, **kwargs)
        if not record:
            if type(result) is tuple:
                return tuple(make(r, backend) for r in result)
            return make(result, backend)
        if type(result) is not tuple:
            native = result.dtype
            hit = _NATIVE.get(id(native))
            if hit is None or hit[0] is not native:
                hit = dtypes.native_entry(native)
            if hit[2] != _FLOATING:
                return make(result, backend)  # integer and bool results carry no gradient
            out = make(result, backend, True, ctx)
            if ctx._to_save:
                _resolve_saved(ctx, args, (result,), (out,))
            else:
                ctx._saved = ()
            return out
        nondiff = ctx._non_differentiable
        outs = tuple(
            make(r, backend)
            if any(r is n for n in nondiff) or not _is_floating(r)
            else make(r, backend, True, ctx, j)
            for j, r in enumerate(result)
        )
        ctx._out_meta = tuple((o.shape, o.dtype) for o in outs)
        _resolve_saved(ctx, args, result, outs)
        return outs


def _wrap_tensors(cls: type, ctx: Node, args: tuple[Any, ...], result: Any, record: bool) -> Any:
    """Give the Tensors a user Function's forward returned their place in the graph."""
    single = not isinstance(result, tuple)
    outputs = (result,) if single else result
    if record:
        _check_dirty(cls, ctx)
        ctx._in_meta = tuple(
            (a.shape, a.dtype) if isinstance(a, TensorBase) else None for a in args
        )
        ctx._out_meta = tuple(
            (o.shape, o.dtype) if isinstance(o, TensorBase) else None for o in outputs
        )
    wrapped = []
    for j, o in enumerate(outputs):
        if not isinstance(o, TensorBase):
            wrapped.append(o)
            continue
        differentiable = record and not any(o is n for n in ctx._non_differentiable)
        if any(o is d for d in ctx._dirty):
            t = o  # modified in place: the input itself takes the new history
            if differentiable:
                t.grad_fn, t._out_idx, t._requires_grad = ctx, j, True
        elif differentiable:
            t = make(o._data, o._backend, True, ctx, j, o._version)
        else:
            t = make(o._data, o._backend, version=o._version)
        wrapped.append(t)
    if record:
        _resolve_saved(ctx, args, outputs, wrapped)
    return wrapped[0] if single else tuple(wrapped)


def _check_dirty(cls: type, ctx: Node) -> None:
    for t in ctx._dirty:
        if t._requires_grad and t.grad_fn is None:
            raise InplaceError(
                f"{cls.__name__}: forward modified a leaf tensor that requires grad in place",
                hint="clone() the input inside forward before modifying it",
            )


class Op(Function):
    """Base class of built-in ops: forward runs on raw backend arrays.

    ``forward(ctx, *args)`` receives each Tensor argument as its backend array (other
    arguments unchanged) and returns an array or a tuple of arrays; ``save_for_backward``
    takes input or output arrays and ``saved_tensors`` gives them back as Tensors.
    ``backward`` is written in Tensor ops, so higher-order gradients work. A class attribute
    ``kernel`` is registered as the portable kernel of ``name``.
    """

    _check_gradients = False
    _on_arrays = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kernel = cls.__dict__.get("kernel")
        if kernel is not None and cls.name:
            _register_portable(
                cls.name, kernel.__func__ if isinstance(kernel, staticmethod) else kernel
            )

    @staticmethod
    def forward(ctx: Node, *arrays: Any, **params: Any) -> Any:
        return ctx.call(*arrays, **params)


_new = object.__new__
_NATIVE = dtypes.NATIVE
_FLOATING = dtypes.FLOATING


def _is_floating(array: Any) -> bool:
    return dtypes.category_of(array.dtype) == _FLOATING


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a backward that is not itself differentiable: it runs without recording, and
    differentiating its result again raises instead of giving a silently wrong answer."""

    @functools.wraps(backward)
    def wrapper(ctx: Node, *grads: Any) -> Any:
        with grad_mode.no_grad():
            result = backward(ctx, *grads)
        if not grad_mode.state.enabled or not any(
            isinstance(g, TensorBase) and g._requires_grad for g in grads
        ):
            return result
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        # The marker takes the incoming gradients as inputs, so differentiating the result
        # reaches it (and raises) through them.
        sources = [g for g in grads if isinstance(g, TensorBase) and g._requires_grad]
        marked = tuple(
            _OnceDifferentiated.apply(o, ctx.name, *sources) if isinstance(o, TensorBase) else o
            for o in outs
        )
        return marked[0] if single else marked

    return wrapper


class _OnceDifferentiated(Function):
    """Identity whose backward raises: stands after a once-differentiable backward."""

    @staticmethod
    def forward(ctx: Node, x: Tensor, name: str, *sources: Tensor) -> Tensor:
        ctx.origin = name
        return x.detach()

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Any:
        raise GraphError(
            f"{ctx.origin}: its backward is marked @once_differentiable, so it cannot be "
            "differentiated again",
            hint="write the backward in differentiable Tensor ops to get higher-order gradients",
        )
