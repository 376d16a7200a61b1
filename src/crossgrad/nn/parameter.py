"""``crossgrad.nn.Parameter``: a leaf tensor that a Module registers as trainable."""

from __future__ import annotations

from typing import Any

from crossgrad._tensor import Tensor
from crossgrad.core.errors import DTypeError


class Parameter(Tensor):
    """A Tensor that a :class:`~crossgrad.nn.Module` attribute registers as a parameter.

    It shares ``data``'s array (and version counter) and is a leaf that requires grad
    unless ``requires_grad=False``. Every op accepts it as a Tensor; op results are plain
    Tensors.

    >>> import crossgrad
    >>> p = crossgrad.nn.Parameter(crossgrad.tensor([1.0, 2.0]))
    >>> p
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    >>> isinstance(p, crossgrad.Tensor), p.is_leaf
    (True, True)
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            from crossgrad.ops.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise DTypeError(
                f"Parameter: data must be a Tensor, received {type(data).__name__}",
                hint="wrap the values first: Parameter(crossgrad.tensor(values))",
            )
        p = object.__new__(cls)
        p._data = data._data
        p._backend = data._backend
        p._requires_grad = False
        p.grad_fn = None
        p._version = data._version
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        """Everything happens in ``__new__``; Tensor.__init__ must not run again."""

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.detach().clone(), self._requires_grad)
        memo[id(self)] = result
        return result
