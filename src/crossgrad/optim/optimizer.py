"""The Optimizer base class: parameter groups, per-parameter state, ``zero_grad``,
``state_dict`` / ``load_state_dict``; and the checks of hyper-parameters every optimizer uses."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, overload

from crossgrad._tensor import Tensor
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.grad_mode import no_grad

#: What optimizers accept as ``params``: tensors, or parameter groups (dicts with a
#: ``"params"`` entry and their own hyper-parameters), as PyTorch's ``ParamsT``.
ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]

_Loss = TypeVar("_Loss")


class Optimizer:
    """Base class of optimizers, as PyTorch's: ``params`` is an iterable of tensors or of
    dicts (parameter groups with their own hyper-parameters)."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(
                f"{type(self).__name__}: got an empty parameter list\n"
                "hint: pass model.parameters() or a list of tensors"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (defaults fill the rest)."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise DTypeError(
                    f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Tensor",
                    hint="pass tensors created with requires_grad=True",
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{type(self).__name__}: parameter {i} is not a leaf "
                    "tensor, so it cannot be optimized\n"
                    "hint: optimize the tensor you created, not a result of ops"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(
                f"{type(self).__name__}: some parameters appear in more than one "
                "parameter group\nhint: list each parameter in one group only"
            )
        full = dict(self.defaults)
        full.update(group)
        full["params"] = params
        self.param_groups.append(full)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter (to None by default, as PyTorch 2)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    with no_grad():
                        p.grad.zero_()

    @overload
    def step(self, closure: None = None) -> None: ...

    @overload
    def step(self, closure: Callable[[], _Loss]) -> _Loss: ...

    def step(self, closure: Callable[[], _Loss] | None = None) -> _Loss | None:
        """Update the parameters once; ``closure`` re-evaluates the loss when given."""
        loss = None
        if closure is not None:
            from crossgrad.core.grad_mode import enable_grad

            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    @staticmethod
    def _gradient(p: Tensor, group: dict[str, Any]) -> Tensor:
        """The gradient an update follows: negated with ``maximize``, plus L2 weight decay
        (``weight_decay * p``) when the group has one."""
        grad = p.grad
        assert grad is not None  # every update skips the parameters without a gradient
        g = -grad if group["maximize"] else grad
        weight_decay = group["weight_decay"]
        return g + p * weight_decay if weight_decay else g

    def state_dict(self) -> dict[str, Any]:
        """Return the optimizer's state as PyTorch lays it out.

        ``"state"`` maps each parameter's index (counted across the groups in order) to its
        state; ``"param_groups"`` holds each group's hyper-parameters with ``"params"`` as the
        list of its parameters' indices. State tensors are returned by reference, as in
        PyTorch: save or load the result before stepping again.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: dict(value) for p, value in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a state saved by :meth:`state_dict` into this optimizer's parameters.

        Groups are matched by position and must agree in number and size; state tensors are
        copied onto each parameter's backend (and floating ones cast to its dtype). Nothing
        changes when the state does not fit.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            keys = sorted(state_dict) if isinstance(state_dict, Mapping) else type(state_dict)
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with keys 'state' and "
                f"'param_groups', received {keys}\n"
                "hint: pass what optimizer.state_dict() returned"
            )
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has "
                f"{len(saved_groups)} parameter group(s) but this optimizer has "
                f"{len(self.param_groups)}\nhint: build the optimizer with the "
                "same parameter groups as the one that was saved"
            )
        by_index: dict[Any, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has "
                    f"{len(saved['params'])} parameter(s) in the saved state but "
                    f"{len(group['params'])} here\nhint: build the optimizer "
                    "with the same parameters, in the same order, as was saved"
                )
            by_index.update(zip(saved["params"], group["params"]))
        unknown = [k for k in state_dict["state"] if k not in by_index]
        if unknown:
            raise ValueError(
                f"{name}.load_state_dict: the saved state names parameter "
                f"indices {unknown} that no parameter group lists\n"
                "hint: pass an unmodified optimizer.state_dict()"
            )
        state = {
            by_index[k]: {key: _to_param(name, k, by_index[k], key, v) for key, v in value.items()}
            for k, value in state_dict["state"].items()
        }
        groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            new["params"] = group["params"]
            groups.append(new)
        self.state = state
        self.param_groups = groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _to_param(optimizer: str, index: Any, param: Tensor, key: str, value: Any) -> Any:
    """A copy of one saved state value, on ``param``'s backend (float state in its dtype).

    A state tensor with dims must have the parameter's shape, and a floating parameter's
    state (but its ``step``) must be floating: a wrong one would fail, or broadcast
    silently, only at the next ``step()``.
    """
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    where = f"{optimizer}.load_state_dict: state[{index!r}][{key!r}]"
    if value.ndim and value.shape != param.shape:
        raise ShapeError(
            f"{where} has shape={value.shape}, but parameter {index!r} has shape={param.shape}",
            hint="load the state saved from an optimizer over the same parameters",
        )
    if key != "step" and param.dtype.is_floating_point and not value.dtype.is_floating_point:
        raise DTypeError(
            f"{where} has dtype={value.dtype!r}, but parameter {index!r} is "
            f"{param.dtype!r}; its optimizer state must be floating",
            hint="load the state saved from an optimizer over the same parameters",
        )
    value = value.detach().to(param.backend)
    if key != "step" and value.dtype.is_floating_point and param.dtype.is_floating_point:
        value = value.to(param.dtype)
    return value.clone()


def check_range(
    optimizer: str, name: str, value: float, low: float = 0.0, high: float | None = None
) -> None:
    """Raise a ValueError naming ``optimizer`` unless ``low <= value`` (``< high`` if given)."""
    ok = isinstance(value, (int, float)) and not math.isnan(value) and value >= low
    if high is not None:
        ok = ok and value < high
    if not ok:
        rule = f">= {low}" if high is None else f"in [{low}, {high})"
        raise ValueError(
            f"{optimizer}: {name} must be {rule}, received {name}={value!r}\n"
            f"hint: pass a {name} {rule}"
        )


def check_betas(optimizer: str, betas: Any) -> None:
    """Raise a ValueError unless ``betas`` is a pair of numbers in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(
            f"{optimizer}: betas must be a pair (beta1, beta2), "
            f"received betas={betas!r}\nhint: pass e.g. betas=(0.9, 0.999)"
        )
    for i, beta in enumerate(betas):
        check_range(optimizer, f"betas[{i}]", beta, 0.0, 1.0)
