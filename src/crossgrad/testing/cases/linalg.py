"""Op-case rows for crossgrad.ops.linalg: matmul at every rank pairing, mm, bmm, einsum."""

import numpy as np

import crossgrad as cg
from crossgrad.testing import Arg, OpCase

EMPTY = {"*:noncontiguous": "a 0-size array cannot be laid out non-contiguously"}


def _matmul(name, a, b, **kwargs):
    return OpCase(f"matmul-{name}", cg.matmul, np.matmul, [Arg(a), Arg(b)], **kwargs)


def _einsum(name, equation, *shapes, reference=None):
    return OpCase(
        f"einsum-{name}",
        lambda *ts: cg.einsum(equation, *ts),
        reference or (lambda *xs: np.einsum(equation, *xs)),
        [Arg(s) for s in shapes],
    )


LEFT = np.arange(6, dtype=np.float32).reshape(2, 3)  # float32: keeps a float32 operand float32

CASES = [
    # ------------------------------------------------------------------ matmul, every rank
    _matmul("1d-1d", (4,), (4,)),
    _matmul("2d-1d", (3, 4), (4,)),
    _matmul("1d-2d", (4,), (4, 5)),
    _matmul("2d-2d", (3, 4), (4, 5)),
    _matmul("3d-1d", (2, 3, 4), (4,)),
    _matmul("1d-3d", (4,), (2, 4, 5)),
    _matmul("3d-2d", (2, 3, 4), (4, 5)),
    _matmul("4d-2d", (2, 2, 3, 4), (4, 2)),
    _matmul("2d-3d", (3, 4), (2, 4, 5)),
    _matmul("3d-3d", (2, 3, 4), (2, 4, 5)),
    _matmul("batch-broadcast", (2, 1, 3, 4), (3, 4, 2)),
    _matmul("batch-broadcast-both", (2, 1, 2, 3), (1, 3, 3, 2)),
    _matmul("4d-1d", (2, 2, 3, 4), (4,)),
    _matmul("1x1", (1, 1), (1, 1)),
    _matmul("empty-rows", (0, 3), (3, 2), skips=EMPTY),
    _matmul("empty-inner", (2, 0), (0, 3), skips=EMPTY),
    _matmul("empty-batch", (0, 2, 3), (3, 2), skips=EMPTY),
    OpCase("matmul-operator", lambda a, b: a @ b, lambda a, b: a @ b, [Arg((3, 4)), Arg((4, 2))]),
    OpCase("matmul-rmatmul-ndarray", lambda b: LEFT @ b, lambda b: LEFT @ b, [Arg((3, 4))]),
    OpCase(
        "matmul-transposed-inputs",
        lambda a, b: a.transpose(-1, -2) @ b.transpose(-1, -2),
        lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2),
        [Arg((2, 4, 3)), Arg((5, 4))],
    ),
    OpCase(
        "matmul-int-operand-promotes",
        lambda a, b: a @ b,
        lambda a, b: a @ b,
        [Arg((3, 4)), np.array([[1, -2], [0, 3], [2, 2], [-1, 1]], dtype=np.int64)],
    ),
    OpCase(
        "matmul-integers",
        lambda a, b: a @ b,
        lambda a, b: a @ b,
        [Arg((3, 4), low=-5, high=5, dtype="int64"), Arg((4, 2), low=-5, high=5, dtype="int64")],
    ),
    OpCase("matmul-reused-input", lambda a: a @ a, lambda a: a @ a, [Arg((3, 3))]),
    # ------------------------------------------------------------------ fixed-rank forms
    OpCase("mm", cg.mm, np.matmul, [Arg((3, 4)), Arg((4, 2))]),
    OpCase("bmm", cg.bmm, np.matmul, [Arg((2, 3, 4)), Arg((2, 4, 2))]),
    OpCase("mv", cg.mv, np.matmul, [Arg((3, 4)), Arg((4,))]),
    OpCase("dot", cg.dot, np.dot, [Arg((5,)), Arg((5,))]),
    OpCase("outer", cg.outer, np.outer, [Arg((3,)), Arg((4,))]),
    OpCase("dot-method", lambda a, b: a.dot(b), np.dot, [Arg((5,)), Arg((5,))]),
    # ------------------------------------------------------------------ einsum
    _einsum("matmul", "ij,jk->ik", (3, 4), (4, 2)),
    _einsum("implicit-output", "ij,jk", (3, 4), (4, 2)),
    _einsum("implicit-sorted", "ba,ca", (3, 4), (2, 4)),
    _einsum("batched", "bij,bjk->bik", (2, 3, 4), (2, 4, 2)),
    _einsum("ellipsis-broadcast", "...ij,...jk->...ik", (2, 1, 3, 4), (3, 4, 2)),
    _einsum("ellipsis-implicit", "...ij,jk", (2, 3, 4), (4, 2)),
    _einsum("transpose", "ij->ji", (3, 4)),
    _einsum("sum-all", "ij->", (3, 4)),
    _einsum("sum-in-one-operand", "ijk,jl->il", (2, 3, 4), (3, 5)),
    _einsum("outer", "i,j->ij", (3,), (4,)),
    _einsum("row-dot", "bi,bi->b", (3, 4), (3, 4)),
    _einsum("three-operands", "ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    _einsum("size-one-broadcast", "ij,ij->ij", (3, 1), (3, 4), reference=lambda a, b: a * b),
    _einsum("diagonal", "ii->i", (3, 3)),
    _einsum("trace", "ii", (3, 3)),
    _einsum("diagonal-split-dims", "iji->ij", (3, 2, 3)),
    _einsum("spaces", "i j , j k -> i k", (2, 3), (3, 2), reference=lambda a, b: a @ b),
    _einsum("bilinear", "bn,anm,bm->ba", (2, 3), (4, 3, 5), (2, 5)),
    OpCase(
        "einsum-list-operands",
        lambda a, b: cg.einsum("ij,jk->ik", [a, b]),
        np.matmul,
        [Arg((3, 4)), Arg((4, 2))],
    ),
    OpCase(
        "einsum-transposed-input",
        lambda a, b: cg.einsum("ij,jk->ik", a.transpose(0, 1), b),
        lambda a, b: a.T @ b,
        [Arg((4, 3)), Arg((4, 2))],
    ),
    # ------------------------------------------------------------------ linear (nn.functional)
    OpCase(
        "linear",
        cg.nn.functional.linear,
        lambda x, w, b: x @ w.T + b,
        [Arg((3, 4)), Arg((5, 4)), Arg((5,))],
    ),
    OpCase(
        "linear-no-bias", cg.nn.functional.linear, lambda x, w: x @ w.T, [Arg((3, 4)), Arg((5, 4))]
    ),
    OpCase(
        "linear-batched",
        cg.nn.functional.linear,
        lambda x, w, b: x @ w.T + b,
        [Arg((2, 3, 4)), Arg((5, 4)), Arg((5,))],
    ),
]
