"""``crossgrad.Tensor``: every public method and operator, one line per name, bound to its op.

This is the file to read for what a tensor can do. ``core.tensor.TensorBase`` holds what
autograd needs (data, backend, ``grad``, ``grad_fn``, version counter, ``backward``); each
line below binds a method name to the public op function in ``crossgrad.ops`` that
implements it, so go-to-definition lands on the op and a type checker sees its signature.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.tensor import TensorBase, register_tensor_class
from crossgrad.ops import activation, conversion, elementwise, index, inplace, linalg, reduce, shape
from crossgrad.ops._util import as_tensor_like, cast


class Tensor(TensorBase):
    """An n-dimensional array on one backend that autograd can differentiate through.

    >>> import crossgrad
    >>> x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: builtins.bool = False) -> None:
        """``crossgrad.Tensor(data)``: like ``crossgrad.tensor`` with the default float
        dtype, as ``torch.Tensor(data)``; prefer ``crossgrad.tensor``."""
        from crossgrad.ops.creation import tensor

        made = tensor(data, requires_grad=requires_grad, dtype=dtypes.get_default_dtype())
        self._become(made)

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        return self.permute(*range(self.ndim - 1, -1, -1))

    def __iter__(self) -> Iterator[Tensor]:
        self._check_iterable()
        return (self[i] for i in range(self._data.shape[0]))

    # ------------------------------------------------------------------ elementwise
    exp = elementwise.exp
    log = elementwise.log
    log1p = elementwise.log1p
    expm1 = elementwise.expm1
    sqrt = elementwise.sqrt
    rsqrt = elementwise.rsqrt
    abs = elementwise.abs
    sign = elementwise.sign
    sin = elementwise.sin
    cos = elementwise.cos
    tan = elementwise.tan
    tanh = elementwise.tanh
    sigmoid = elementwise.sigmoid
    relu = elementwise.relu
    erf = elementwise.erf
    reciprocal = elementwise.reciprocal
    square = elementwise.square
    neg = elementwise.neg
    floor = elementwise.floor
    ceil = elementwise.ceil
    round = elementwise.round
    trunc = elementwise.trunc
    add = elementwise.add
    sub = elementwise.sub
    mul = elementwise.mul
    div = elementwise.div
    floor_divide = elementwise.floor_divide
    remainder = elementwise.remainder
    pow = elementwise.pow
    maximum = elementwise.maximum
    minimum = elementwise.minimum
    eq = elementwise.eq
    ne = elementwise.ne
    lt = elementwise.lt
    le = elementwise.le
    gt = elementwise.gt
    ge = elementwise.ge
    logical_and = elementwise.logical_and
    logical_or = elementwise.logical_or
    logical_xor = elementwise.logical_xor
    logical_not = elementwise.logical_not
    bitwise_and = elementwise.bitwise_and
    bitwise_or = elementwise.bitwise_or
    bitwise_xor = elementwise.bitwise_xor
    bitwise_not = elementwise.bitwise_not
    clamp = elementwise.clamp
    clip = elementwise.clip

    # ------------------------------------------------------------------ activations
    softmax = activation.softmax
    log_softmax = activation.log_softmax

    # ------------------------------------------------------------------ reductions
    sum = reduce.sum
    mean = reduce.mean
    prod = reduce.prod
    max = reduce.max
    min = reduce.min
    amax = reduce.amax
    amin = reduce.amin
    argmax = reduce.argmax
    argmin = reduce.argmin
    var = reduce.var
    std = reduce.std
    logsumexp = reduce.logsumexp
    norm = reduce.norm
    cumsum = reduce.cumsum
    all = reduce.all
    any = reduce.any
    sum_to_size = reduce.sum_to_size

    # ------------------------------------------------------------------ shape
    reshape = shape.reshape
    view = shape.view
    permute = shape.permute
    transpose = shape.transpose
    expand = shape.expand
    broadcast_to = shape.broadcast_to
    flatten = shape.flatten
    unflatten = shape.unflatten
    squeeze = shape.squeeze
    unsqueeze = shape.unsqueeze
    tile = shape.tile
    repeat = shape.repeat
    split = shape.split
    chunk = shape.chunk
    flip = shape.flip
    roll = shape.roll
    narrow = shape.narrow
    movedim = shape.movedim
    moveaxis = shape.moveaxis
    swapaxes = shape.swapaxes
    swapdims = shape.swapdims

    # ------------------------------------------------------------------ indexing
    __getitem__ = index.getitem
    __setitem__ = index.setitem
    gather = index.gather
    scatter = index.scatter
    scatter_add = index.scatter_add
    index_select = index.index_select
    masked_fill = index.masked_fill
    masked_select = index.masked_select
    take_along_dim = index.take_along_dim
    index_put = index.index_put
    index_add = index.index_add
    index_fill = index.index_fill

    # ------------------------------------------------------------------ linear algebra
    matmul = linalg.matmul
    mm = linalg.mm
    bmm = linalg.bmm
    mv = linalg.mv
    dot = linalg.dot
    outer = linalg.outer

    # ------------------------------------------------------------------ in place
    add_ = inplace.add_
    sub_ = inplace.sub_
    mul_ = inplace.mul_
    div_ = inplace.div_
    pow_ = inplace.pow_
    clamp_ = inplace.clamp_
    clip_ = inplace.clamp_
    zero_ = inplace.zero_
    fill_ = inplace.fill_
    copy_ = inplace.copy_
    masked_fill_ = index.masked_fill_
    scatter_ = index.scatter_
    scatter_add_ = index.scatter_add_
    index_put_ = index.index_put_
    index_add_ = index.index_add_
    index_fill_ = index.index_fill_

    # ------------------------------------------------------------------ conversion
    to = conversion.to
    clone = conversion.clone
    type_as = conversion.type_as

    # ------------------------------------------------------------------ operators
    __add__ = elementwise.add
    __sub__ = elementwise.sub
    __mul__ = elementwise.mul
    __truediv__ = elementwise.div
    __floordiv__ = elementwise.floor_divide
    __mod__ = elementwise.remainder
    __pow__ = elementwise.pow
    __and__ = elementwise.bitwise_and
    __or__ = elementwise.bitwise_or
    __xor__ = elementwise.bitwise_xor
    __invert__ = elementwise.bitwise_not
    __neg__ = elementwise.neg
    __abs__ = elementwise.abs
    __eq__ = elementwise.eq  # elementwise, returning a Tensor, as in PyTorch
    __ne__ = elementwise.ne
    __lt__ = elementwise.lt
    __le__ = elementwise.le
    __gt__ = elementwise.gt
    __ge__ = elementwise.ge
    __iadd__ = inplace.add_
    __isub__ = inplace.sub_
    __imul__ = inplace.mul_
    __itruediv__ = inplace.div_
    # A Tensor's hash is its identity (dicts of tensors, as in PyTorch), although == is
    # elementwise.
    __hash__ = TensorBase.__hash__

    def __pos__(self) -> Tensor:
        return self

    # The reflected operators: ``2 * x``, ``1 - x``, ``a @ x`` with a non-Tensor ``a``.
    def __radd__(self, other: Any) -> Tensor:
        return elementwise.add(other, self)

    def __rsub__(self, other: Any) -> Tensor:
        return elementwise.sub(other, self)

    def __rmul__(self, other: Any) -> Tensor:
        return elementwise.mul(other, self)

    def __rtruediv__(self, other: Any) -> Tensor:
        return elementwise.div(other, self)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return elementwise.floor_divide(other, self)

    def __rmod__(self, other: Any) -> Tensor:
        return elementwise.remainder(other, self)

    def __rpow__(self, other: Any) -> Tensor:
        return elementwise.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return linalg.matmul(self, as_tensor_like(other, self))

    def __rmatmul__(self, other: Any) -> Tensor:
        return linalg.matmul(as_tensor_like(other, self), self)

    def __rand__(self, other: Any) -> Tensor:
        return elementwise.bitwise_and(other, self)

    def __ror__(self, other: Any) -> Tensor:
        return elementwise.bitwise_or(other, self)

    def __rxor__(self, other: Any) -> Tensor:
        return elementwise.bitwise_xor(other, self)

    # ------------------------------------------------------------------ dtype shorthands
    def float(self) -> Tensor:
        """This tensor as float32 (itself when it already is)."""
        return cast(self, dtypes.float32)

    def double(self) -> Tensor:
        """This tensor as float64 (itself when it already is)."""
        return cast(self, dtypes.float64)

    def half(self) -> Tensor:
        """This tensor as float16 (itself when it already is)."""
        return cast(self, dtypes.float16)

    def bfloat16(self) -> Tensor:
        """This tensor as bfloat16 (itself when it already is), on backends that have it."""
        return cast(self, dtypes.bfloat16)

    def long(self) -> Tensor:
        """This tensor as int64 (itself when it already is)."""
        return cast(self, dtypes.int64)

    def int(self) -> Tensor:
        """This tensor as int32 (itself when it already is)."""
        return cast(self, dtypes.int32)

    def bool(self) -> Tensor:
        """This tensor as bool (itself when it already is)."""
        return cast(self, dtypes.bool_)


register_tensor_class(Tensor)
