"""Op-case rows for crossgrad.ops.shape."""

import numpy as np

import crossgrad as cg
from crossgrad.testing import Arg, OpCase

S = (3, 4)
S3 = (2, 3, 4)


def _split(x, sizes, axis):
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


# An empty array is contiguous in every layout, so the harness cannot make one strided.
EMPTY_SKIP = {"*:noncontiguous": "empty arrays have no non-contiguous layout"}

CASES = [
    # reshape, view, permute, transpose, expand
    OpCase("reshape-infer", lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1), [Arg(S3)]),
    OpCase("reshape-0d", lambda x: cg.reshape(x, (1, 1)), lambda x: x.reshape(1, 1), [Arg(())]),
    OpCase("view-tuple", lambda x: x.view((6, 4)), lambda x: x.reshape(6, 4), [Arg(S3)]),
    OpCase("permute", lambda x: x.permute(2, 0, 1), lambda x: x.transpose(2, 0, 1), [Arg(S3)]),
    OpCase(
        "transpose-negdims",
        lambda x: cg.transpose(x, -1, 0),
        lambda x: np.swapaxes(x, -1, 0),
        [Arg(S3)],
    ),
    OpCase(
        "expand",
        lambda x: x.expand(2, -1, 4),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
        [Arg((3, 1))],
    ),
    OpCase(
        "broadcast_to",
        lambda x: cg.broadcast_to(x, S3),
        lambda x: np.broadcast_to(x, S3),
        [Arg((4,))],
    ),
    # flatten, unflatten, squeeze, unsqueeze
    OpCase("flatten-all", lambda x: x.flatten(), np.ravel, [Arg(S3)]),
    OpCase("flatten-start1", lambda x: cg.flatten(x, 1), lambda x: x.reshape(2, 12), [Arg(S3)]),
    OpCase("flatten-negdims", lambda x: x.flatten(-3, -2), lambda x: x.reshape(6, 4), [Arg(S3)]),
    OpCase("flatten-0d", lambda x: x.flatten(), lambda x: x.reshape(1), [Arg(())]),
    OpCase("unflatten", lambda x: x.unflatten(1, (2, 2)), lambda x: x.reshape(3, 2, 2), [Arg(S)]),
    OpCase(
        "unflatten-infer-negdim",
        lambda x: cg.unflatten(x, -1, (-1, 2)),
        lambda x: x.reshape(2, 3, 2, 2),
        [Arg(S3)],
    ),
    OpCase("squeeze-all", lambda x: x.squeeze(), lambda x: x.reshape(3, 4), [Arg((1, 3, 1, 4))]),
    OpCase(
        "squeeze-dim",
        lambda x: cg.squeeze(x, -2),
        lambda x: x.reshape(1, 3, 4),
        [Arg((1, 3, 1, 4))],
    ),
    OpCase(
        "squeeze-tuple",
        lambda x: x.squeeze((0, 1)),
        lambda x: x.reshape(3, 1, 4),
        [Arg((1, 3, 1, 4))],
    ),
    OpCase("squeeze-non1-noop", lambda x: x.squeeze(1), lambda x: x, [Arg(S)]),
    OpCase("unsqueeze", lambda x: x.unsqueeze(1), lambda x: x[:, None], [Arg(S)]),
    OpCase("unsqueeze-neg", lambda x: cg.unsqueeze(x, -1), lambda x: x[..., None], [Arg(S)]),
    OpCase("unsqueeze-0d", lambda x: x.unsqueeze(0), lambda x: x.reshape(1), [Arg(())]),
    # repeat, tile
    OpCase("repeat", lambda x: x.repeat(2, 3), lambda x: np.tile(x, (2, 3)), [Arg(S)]),
    OpCase(
        "repeat-new-dims",
        lambda x: x.repeat(2, 1, 1, 2),
        lambda x: np.tile(x, (2, 1, 1, 2)),
        [Arg((3, 2))],
    ),
    OpCase("repeat-zero", lambda x: x.repeat(0, 2), lambda x: np.tile(x, (0, 2)), [Arg(S)]),
    OpCase("repeat-0d", lambda x: x.repeat(3), lambda x: np.tile(x, 3), [Arg(())]),
    OpCase("tile-fewer-dims", lambda x: cg.tile(x, (2,)), lambda x: np.tile(x, 2), [Arg(S3)]),
    # cat, stack
    OpCase(
        "cat-dim0",
        lambda x, y: cg.cat([x, y]),
        lambda x, y: np.concatenate([x, y]),
        [Arg((2, 4)), Arg(S)],
    ),
    OpCase(
        "cat-negdim-three",
        lambda x, y, z: cg.cat([x, y, z], -1),
        lambda x, y, z: np.concatenate([x, y, z], -1),
        [Arg((2, 3, 1)), Arg(S3), Arg((2, 3, 2))],
    ),
    OpCase(
        "cat-reused-input",
        lambda x: cg.concat([x, x * 2], 1),
        lambda x: np.concatenate([x, x * 2], 1),
        [Arg(S)],
    ),
    OpCase(
        "cat-with-empty",
        lambda x, y: cg.concatenate([x, y], 0),
        lambda x, y: np.concatenate([x, y]),
        [Arg((0, 4)), Arg(S)],
        skips=EMPTY_SKIP,
    ),
    OpCase(
        "cat-promotes",
        lambda x, y: cg.cat([x, y]),
        lambda x, y: np.concatenate([x, y]),
        [Arg((2,)), Arg((3,), -5, 5, dtype="int64")],
    ),
    OpCase("stack", lambda x, y: cg.stack([x, y]), lambda x, y: np.stack([x, y]), [Arg(S), Arg(S)]),
    OpCase(
        "stack-last-dim",
        lambda x, y, z: cg.stack((x, y, z), -1),
        lambda x, y, z: np.stack([x, y, z], -1),
        [Arg(S), Arg(S), Arg(S)],
    ),
    OpCase(
        "stack-0d", lambda x, y: cg.stack([x, y]), lambda x, y: np.stack([x, y]), [Arg(()), Arg(())]
    ),
    # split, chunk, narrow
    OpCase("split-int", lambda x: x.split(2, 1), lambda x: _split(x, [2, 2], 1), [Arg(S)]),
    OpCase("split-int-uneven", lambda x: cg.split(x, 2), lambda x: _split(x, [2, 1], 0), [Arg(S)]),
    OpCase(
        "split-sections-negdim",
        lambda x: x.split([1, 0, 3], -1),
        lambda x: _split(x, [1, 0, 3], -1),
        [Arg(S3)],
    ),
    OpCase("split-one-piece-used", lambda x: x.split([1, 2], 0)[1], lambda x: x[1:], [Arg(S)]),
    OpCase("chunk", lambda x: x.chunk(2, -1), lambda x: _split(x, [2, 2], -1), [Arg(S3)]),
    OpCase("chunk-uneven", lambda x: cg.chunk(x, 3, 1), lambda x: _split(x, [2, 2], 1), [Arg(S)]),
    OpCase("narrow", lambda x: x.narrow(1, 1, 2), lambda x: x[:, 1:3], [Arg(S)]),
    OpCase("narrow-negstart", lambda x: cg.narrow(x, -1, -3, 3), lambda x: x[..., -3:], [Arg(S3)]),
    OpCase("narrow-empty", lambda x: x.narrow(0, 3, 0), lambda x: x[3:3], [Arg(S)]),
    # flip, roll, movedim, swapaxes
    OpCase("flip", lambda x: x.flip(0), lambda x: np.flip(x, 0), [Arg(S)]),
    OpCase("flip-dims", lambda x: cg.flip(x, (0, -1)), lambda x: np.flip(x, (0, 2)), [Arg(S3)]),
    OpCase("flip-0d", lambda x: x.flip(0), lambda x: x, [Arg(())]),
    OpCase("roll-flat", lambda x: x.roll(5), lambda x: np.roll(x, 5), [Arg(S)]),
    OpCase(
        "roll-dims",
        lambda x: cg.roll(x, (1, -2), (0, -1)),
        lambda x: np.roll(x, (1, -2), (0, 2)),
        [Arg(S3)],
    ),
    OpCase(
        "roll-repeated-dim", lambda x: x.roll((1, 1), (1, 1)), lambda x: np.roll(x, 2, 1), [Arg(S)]
    ),
    OpCase("movedim", lambda x: x.movedim(0, -1), lambda x: np.moveaxis(x, 0, -1), [Arg(S3)]),
    OpCase(
        "movedim-tuple",
        lambda x: cg.movedim(x, (0, 1), (2, 0)),
        lambda x: np.moveaxis(x, (0, 1), (2, 0)),
        [Arg(S3)],
    ),
    OpCase("moveaxis", lambda x: cg.moveaxis(x, -1, 0), lambda x: np.moveaxis(x, -1, 0), [Arg(S3)]),
    OpCase("swapaxes", lambda x: x.swapaxes(0, 2), lambda x: np.swapaxes(x, 0, 2), [Arg(S3)]),
    OpCase(
        "swapdims", lambda x: cg.swapdims(x, -1, -2), lambda x: np.swapaxes(x, -1, -2), [Arg(S3)]
    ),
]
