"""Dropout: zero random elements and rescale the rest, as ``torch.nn.functional.dropout``."""

from __future__ import annotations

from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError
from crossgrad.core.tensor import make
from crossgrad.ops._util import Tensor, expect_tensor
from crossgrad.ops.creation import rand_like
from crossgrad.ops.inplace import maybe_inplace

# PyTorch keeps these ops under torch.nn.functional, so none is crossgrad.<name>;
# crossgrad.nn.functional re-exports them.
__all__: list[str] = []


def dropout(
    input: Tensor,
    p: float = 0.5,
    training: bool = True,  # noqa: A002
    inplace: bool = False,
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The mask comes from the random generator of the input's backend
    (``crossgrad.manual_seed`` makes it repeatable).
    """
    input = expect_tensor(input, "dropout")
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 <= p <= 1:
        raise ValueError(
            f"dropout: probability has to be between 0 and 1, received p={p!r}\n"
            "hint: pass p in [0, 1], e.g. p=0.1"
        )
    if input.dtype.category != dtypes.FLOATING:
        raise DTypeError(
            f"dropout: needs a floating tensor, received dtype={input.dtype!r}",
            hint="cast first with .float()",
        )
    if not training or p == 0:
        return input
    if p == 1:
        return maybe_inplace(input, inplace, "dropout", lambda x: x * 0.0)
    xp = input._backend.xp
    keep = xp.astype(rand_like(input)._data >= p, input._data.dtype) * (1.0 / (1.0 - p))
    mask = make(keep, input._backend)
    return maybe_inplace(input, inplace, "dropout", lambda x: x * mask, reads_input=True)
