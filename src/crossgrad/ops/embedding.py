"""Class indices to vectors: ``embedding`` (rows of a weight) and ``one_hot``."""

from __future__ import annotations

from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.ops import elementwise as ew
from crossgrad.ops._util import Tensor, cast, expect_same_backend, expect_tensor, normalize_dim
from crossgrad.ops.creation import arange

# PyTorch keeps these ops under torch.nn.functional, so none is crossgrad.<name>;
# crossgrad.nn.functional re-exports them.
__all__: list[str] = []


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """Rows of ``weight`` at the integer indices ``input``: shape ``(*input.shape, dim)``.

    Lookups of ``padding_idx`` contribute no gradient to its row.

    >>> import crossgrad
    >>> w = crossgrad.tensor([[0.0, 0.0], [1.0, 2.0]])
    >>> embedding(crossgrad.tensor([1, 0]), w)
    tensor([[1., 2.],
            [0., 0.]])
    """
    input = expect_tensor(input, "embedding")
    weight = expect_tensor(weight, "embedding", "weight")
    expect_same_backend("embedding", weight, input)
    if input.dtype.category != dtypes.INTEGER:
        raise DTypeError(
            f"embedding: indices must be integers, received input.dtype={input.dtype!r}",
            hint="cast with .long()",
        )
    if weight.ndim != 2:
        raise ShapeError(
            f"embedding: weight must be 2-D (num_embeddings, embedding_dim), "
            f"received weight.shape={weight.shape}",
            hint="pass a matrix",
        )
    rows = weight.index_select(0, input.reshape(-1))
    if padding_idx is not None:
        padding_idx = normalize_dim(padding_idx, weight.shape[0], "embedding")
        is_pad = input.reshape(-1, 1) == padding_idx
        rows = ew.where(is_pad, rows.detach(), rows)
    return rows.reshape(*input.shape, weight.shape[1])


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices: shape ``(*tensor.shape, num_classes)``.

    >>> import crossgrad
    >>> one_hot(crossgrad.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    op = "one_hot"
    tensor = expect_tensor(tensor, op, "tensor")
    if tensor.dtype.category != dtypes.INTEGER:
        raise DTypeError(
            f"{op}: needs integer class indices, received tensor.dtype={tensor.dtype!r}",
            hint="cast with .long()",
        )
    values = tensor.numpy()
    if num_classes == -1:
        if values.size == 0:
            raise ShapeError(
                f"{op}: cannot infer num_classes from an empty tensor, received "
                f"tensor.shape={tensor.shape}",
                hint="pass num_classes=",
            )
        num_classes = int(values.max()) + 1
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ShapeError(
            f"{op}: class values must be in [0, num_classes), received "
            f"min={int(values.min())}, max={int(values.max())}, "
            f"num_classes={num_classes}",
            hint="pass num_classes larger than the largest class index",
        )
    classes = arange(num_classes, dtype=tensor.dtype, backend=tensor._backend)
    hits = tensor.unsqueeze(-1) == classes
    return cast(hits, dtypes.int64)
