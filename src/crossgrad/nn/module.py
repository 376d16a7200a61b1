"""``crossgrad.nn.Module``: the base class of layers and models.

Attribute assignment registers Parameters, submodules and buffers, as in PyTorch, so that
``parameters()``, ``state_dict()``, ``to()`` and ``train()`` reach the whole tree.

Moving or casting a module (``to``, ``float``, ``double``) keeps every Parameter and buffer
object: each one is rebound to the converted array (and bumps its version), as PyTorch keeps
identity, so an optimizer built before the move still holds the module's parameters.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.grad_mode import no_grad
from crossgrad.nn.parameter import Parameter

__all__ = ["Module", "RemovableHandle", "IncompatibleKeys"]

# The methods that return the module itself keep a subclass's type, as PyTorch's do.
_M = TypeVar("_M", bound="Module")


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(..., strict=False)`` could not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class RemovableHandle:
    """Returned by ``register_forward_hook`` and friends; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Any]) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _parse_to(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """Split ``to``'s arguments into (backend, dtype), as ``Tensor.to`` reads them."""
    dtype = kwargs.pop("dtype", None)
    backend = kwargs.pop("backend", None) or kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"Module.to: unexpected arguments {sorted(kwargs)}")
    for a in args:
        if (
            isinstance(a, dtypes.DType)
            or a in (float, int, bool)
            or (isinstance(a, str) and a in dtypes.BY_NAME)
        ):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, backend = a.dtype, a.backend
        else:
            backend = a
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if dtype.category != dtypes.FLOATING:
            raise DTypeError(
                f"Module.to: only floating dtypes are accepted, received dtype={dtype!r}",
                hint="pass e.g. crossgrad.float64",
            )
    return backend, dtype


def _rebind_converted(t: Tensor, backend: Any, dtype: Any) -> None:
    """Make ``t`` hold its values on ``backend`` as ``dtype`` (floating tensors only change
    dtype), keeping the object; its ``.grad`` follows."""
    target_dtype = dtype if dtype is not None and t.dtype.category == dtypes.FLOATING else None
    with no_grad():
        moved = t.detach().to(*(x for x in (backend, target_dtype) if x is not None))
    if moved._backend is not t._backend or moved.dtype is not t.dtype:
        # A move can change the backend, which Tensor._assign (same-backend writes) cannot:
        # rebind the array and backend here and bump the version as any mutation does.
        t._data = moved._data
        t._backend = moved._backend
        t._version[0] += 1
    if t.grad is not None:
        _rebind_converted(t.grad, backend, dtype)


class Module:
    """Base class of every layer and model: subclass it and define ``forward``.

    >>> import crossgrad
    >>> from crossgrad import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1 = nn.Linear(4, 3)
    ...         self.fc2 = nn.Linear(3, 1)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> model = TwoLayer()
    >>> list(model.state_dict())
    ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    >>> model(crossgrad.ones(2, 4)).shape
    (2, 1)
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    # ------------------------------------------------------------------ registration
    def _check_name(self, what: str, name: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{what}: call Module.__init__() before assigning "
                f"attributes\nhint: add super().__init__() to __init__"
            )
        if not isinstance(name, str):
            raise TypeError(f"{what}: name must be a string, received {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{what}: name can't be empty or contain '.', received name={name!r}")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a declared but absent parameter) under ``name``."""
        self._check_name("register_parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"register_parameter: attribute {name!r} already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: cannot assign a {type(param).__name__} as parameter "
                f"{name!r}\nhint: wrap it: nn.Parameter(tensor)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a tensor that is state but not trained (e.g. running statistics).

        Non-persistent buffers are left out of ``state_dict``.
        """
        self._check_name("register_buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: cannot assign a {type(tensor).__name__} as "
                f"buffer {name!r} (a Tensor or None is required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name``."""
        self._check_name("add_module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"add_module: attribute {name!r} already exists")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if isinstance(value, Parameter):
            self._check_name("__setattr__", name)
            self._forget(name, keep=self._parameters)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._check_name("__setattr__", name)
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif "_parameters" in d and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as parameter {name!r} "
                    f"(a Parameter or None is required)\nhint: wrap it: nn.Parameter(tensor)"
                )
            self._parameters[name] = None
        elif "_modules" in d and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as child module "
                    f"{name!r} (a Module or None is required)"
                )
            self._modules[name] = None
        elif "_buffers" in d and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as buffer {name!r} "
                    f"(a Tensor or None is required)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict[str, Any]) -> None:
        """Drop ``name`` from every registry but ``keep`` (where it keeps its position)."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._parameters, *self._buffers, *self._modules})

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for this module and every descendant, each once."""
        stack: list[tuple[str, Module]] = [(prefix, self)]
        seen = set() if memo is None else memo
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{n}" if name else n, m)
                for n, m in module._modules.items()
                if m is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        seen: set[int] = set()
        for mod_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted name, parameter)``; a parameter shared by two modules comes once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """Return the submodule at the dotted path ``target`` (``""`` is this module)."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(
                    f"get_submodule: {type(module).__name__} has no "
                    f"submodule {part!r} (path {target!r})"
                )
            module = module._modules[part]  # type: ignore[assignment]
        return module

    # ------------------------------------------------------------------ state
    def _state_items(self) -> Iterator[tuple[str, Tensor]]:
        """Every (key, tensor) of the state dict, keys as PyTorch names them; shared
        tensors appear under each of their names."""
        for prefix, module in self.named_modules(remove_duplicate=True):
            dot = f"{prefix}." if prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    yield dot + name, p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    yield dot + name, b

    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Return every parameter and persistent buffer by dotted name, detached.

        The tensors share memory with the module's (as in PyTorch): clone them to keep a
        snapshot that later training does not change.
        """
        return OrderedDict(
            (prefix + k, t if keep_vars else t.detach()) for k, t in self._state_items()
        )

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy ``state_dict``'s values into this module's parameters and buffers in place.

        Every key, shape and dtype is checked first; if anything is wrong, nothing changes
        and one ShapeError lists every problem. Values may come from another backend and
        another floating precision (they are converted); a floating value for an integer
        buffer, or the reverse, is a dtype mismatch. With ``strict=False`` missing and
        unexpected keys are allowed and returned; shape and dtype mismatches still raise.

        Returns:
            ``(missing_keys, unexpected_keys)``.

        Raises:
            ShapeError: listing missing/unexpected keys (strict), wrong shapes and dtypes.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(
                f"load_state_dict: expected a mapping of names to tensors, "
                f"received {type(state_dict).__name__}"
            )
        own = OrderedDict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems: list[str] = []
        if strict:
            problems += [f"missing key {k!r}" for k in missing]
            problems += [f"unexpected key {k!r}" for k in unexpected]
        sources: dict[str, Tensor] = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                try:
                    from crossgrad.ops.creation import tensor as make_tensor

                    value = make_tensor(value, backend=target.backend)
                except Exception as exc:  # noqa: BLE001 - reported with the other problems
                    problems.append(f"value of {key!r} is not a tensor: {exc}")
                    continue
            if value.shape != target.shape:
                problems.append(
                    f"shape mismatch for {key!r}: state_dict shape={value.shape}, "
                    f"model shape={target.shape}"
                )
            elif value.dtype.category != target.dtype.category:
                problems.append(
                    f"dtype mismatch for {key!r}: state_dict dtype={value.dtype!r}, "
                    f"model dtype={target.dtype!r}"
                )
            else:
                sources[key] = value
        if problems:
            listing = "\n  ".join(problems)
            raise ShapeError(
                f"load_state_dict: {len(problems)} problem(s) loading the state_dict into "
                f"{type(self).__name__}; nothing was changed:\n  {listing}",
                hint="load a state_dict saved from the same architecture, or pass "
                "strict=False to skip missing and unexpected keys",
            )
        with no_grad():
            for key, value in sources.items():
                target = own[key]
                target.copy_(value.detach().to(target.backend, target.dtype))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ modes and grads
    def train(self: _M, mode: bool = True) -> _M:
        """Set training mode on this module and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, received {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self: _M) -> _M:
        """Set evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self: _M, requires_grad: bool = True) -> _M:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (to None, or to zeros in place)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                with no_grad():
                    p.grad.detach_()
                    p.grad.zero_()

    def apply(self: _M, fn: Callable[[Module], Any]) -> _M:
        """Call ``fn`` on every descendant, then on this module (e.g. custom init)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ conversion
    def to(self: _M, *args: Any, **kwargs: Any) -> _M:
        """Move every parameter and buffer to a backend and/or floating dtype, in place.

        ``model.to("jax")``, ``model.to(crossgrad.float64)``, ``model.to("jax", "float64")``.
        Integer buffers keep their dtype. Parameters keep their identity.
        """
        backend, dtype = _parse_to(args, kwargs)
        for t in [*self.parameters(), *self.buffers()]:
            _rebind_converted(t, backend, dtype)
        return self

    def float(self: _M) -> _M:  # noqa: A003
        return self.to(dtypes.float32)

    def double(self: _M) -> _M:
        return self.to(dtypes.float64)

    # ------------------------------------------------------------------ hooks
    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, args)`` before ``forward``; a non-None result replaces args."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after ``forward``; a non-None result
        replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text between this module's parentheses in ``repr`` (override in layers)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        lines = self.extra_repr().split("\n") if self.extra_repr() else []
        for name, module in self._modules.items():
            child = _indent(repr(module), 2)
            lines.append(f"({name}): {child}")
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _indent(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first, *((" " * spaces) + line for line in rest)])
