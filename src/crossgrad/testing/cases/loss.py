"""Op-case rows for crossgrad.ops.loss through nn.functional.

References are written from the definitions (PyTorch's documented formulas) in float64
NumPy. Class-index targets are fixed int64 arrays, so the harness treats them as constants;
weights and pos_weight are fixed inside the calls (PyTorch does not differentiate them).
"""

import numpy as np

import crossgrad as cg
from crossgrad.testing import Arg, OpCase
from crossgrad.testing.cases.activation import log_softmax_reference as _log_softmax

F = cg.nn.functional
S = (3, 4)

# ---------------------------------------------------------------- references


def _reduce(loss, reduction):
    if reduction == "mean":
        return np.mean(loss)
    return np.sum(loss) if reduction == "sum" else loss


def _nll(logp, target, weight=None, ignore_index=-100, reduction="mean", smoothing=0.0):
    """PyTorch's (label-smoothed) NLL of class indices, class dim 1, by explicit loops."""
    n_cls = logp.shape[1]
    w = np.ones(n_cls) if weight is None else weight
    lp = np.moveaxis(logp, 1, -1).reshape(-1, n_cls)  # one row per sample
    t = target.reshape(-1)
    loss, smooth, w_t = np.zeros(len(t)), np.zeros(len(t)), np.zeros(len(t))
    for i, c in enumerate(t):
        if c == ignore_index:
            continue
        w_t[i] = w[c]
        loss[i] = -w[c] * lp[i, c]
        smooth[i] = -(w * lp[i]).sum()
    loss, smooth = loss.reshape(target.shape), smooth.reshape(target.shape)
    if reduction == "none":
        return (1 - smoothing) * loss + smoothing / n_cls * smooth
    if reduction == "sum":
        return (1 - smoothing) * loss.sum() + smoothing / n_cls * smooth.sum()
    return ((1 - smoothing) * loss.sum() + smoothing / n_cls * smooth.sum()) / w_t.sum()


def _ce(x, target, **kw):
    return _nll(_log_softmax(x, 1), target, **kw)


def _ce_prob(x, p, weight=None, reduction="mean", smoothing=0.0):
    n_cls = x.shape[1]
    p = p * (1 - smoothing) + smoothing / n_cls
    w = np.ones(n_cls) if weight is None else weight
    w = w.reshape((n_cls,) + (1,) * (x.ndim - 2))
    return _reduce(-(_log_softmax(x, 1) * p * w).sum(axis=1), reduction)


def _bce(x, t, weight=None, reduction="mean"):
    loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log(1 - x), -100))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _bce_logits(x, t, weight=None, reduction="mean", pos_weight=None):
    sig = 1 / (1 + np.exp(-x))
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * t * np.log(sig) + (1 - t) * np.log(1 - sig))
    return _reduce(loss if weight is None else loss * weight, reduction)


# ---------------------------------------------------------------- fixed inputs

T4 = np.array([0, 4, 2, 1], dtype=np.int64)  # targets for (4, 5) logits
T4_IGNORED = np.array([0, -100, 2, 4], dtype=np.int64)
T4_IGNORE_3 = np.array([3, 1, 3, 0], dtype=np.int64)
T3D = np.array([[0, 3, 1], [2, 2, 0]], dtype=np.int64)  # targets for (2, 4, 3) logits
T3D_IGNORED = np.array([[0, -1, 1], [2, -1, 3]], dtype=np.int64)
W5 = np.array([0.5, 2.0, 1.0, 1.5, 0.25])
W4 = np.array([1.5, 0.5, 2.0, 1.0])
PW = np.array([0.5, 1.0, 2.0, 3.0])
PROBS = Arg((4, 5), low=0.0, high=1.0)
LOGITS = Arg((4, 5), low=-2.0, high=2.0)
LOGITS_3D = Arg((2, 4, 3), low=-2.0, high=2.0)


def _w(values, like):
    """A constant weight tensor on ``like``'s backend (the function casts it to its dtype)."""
    return cg.tensor(values, backend=like.backend)


# ---------------------------------------------------------------- rows


def _each_reduction(name, fn, reference, args):
    """One row ``<name>-<reduction>`` per reduction; ``fn`` and ``reference`` take the
    reduction after the inputs."""
    return [
        OpCase(
            f"{name}-{r}",
            lambda *xs, r=r: fn(*xs, r),
            lambda *xs, r=r: reference(*xs, r),
            args,
        )
        for r in ("mean", "sum", "none")
    ]


CASES = [
    # mse_loss
    *_each_reduction(
        "mse_loss",
        lambda x, y, r: F.mse_loss(x, y, reduction=r),
        lambda x, y, r: _reduce((x - y) ** 2, r),
        [Arg(S), Arg(S)],
    ),
    # cross_entropy, class indices
    *_each_reduction(
        "cross_entropy",
        lambda x, t, r: F.cross_entropy(x, t, reduction=r),
        lambda x, t, r: _ce(x, t, reduction=r),
        [LOGITS, T4],
    ),
    *_each_reduction(
        "cross_entropy-weight-ignored",
        lambda x, t, r: F.cross_entropy(x, t, _w(W5, x), reduction=r),
        lambda x, t, r: _ce(x, t, weight=W5, reduction=r),
        [LOGITS, T4_IGNORED],
    ),
    OpCase(
        "cross_entropy-ignore_index-3",
        lambda x, t: F.cross_entropy(x, t, ignore_index=3),
        lambda x, t: _ce(x, t, ignore_index=3),
        [LOGITS, T4_IGNORE_3],
    ),
    *_each_reduction(
        "cross_entropy-label_smoothing",
        lambda x, t, r: F.cross_entropy(x, t, reduction=r, label_smoothing=0.2),
        lambda x, t, r: _ce(x, t, reduction=r, smoothing=0.2),
        [LOGITS, T4_IGNORED],
    ),
    OpCase(
        "cross_entropy-label_smoothing-weight",
        lambda x, t: F.cross_entropy(x, t, _w(W5, x), label_smoothing=0.3),
        lambda x, t: _ce(x, t, weight=W5, smoothing=0.3),
        [LOGITS, T4_IGNORED],
    ),
    *_each_reduction(
        "cross_entropy-3d",
        lambda x, t, r: F.cross_entropy(x, t, reduction=r),
        lambda x, t, r: _ce(x, t, reduction=r),
        [LOGITS_3D, T3D],
    ),
    OpCase(
        "cross_entropy-3d-weight-ignored-smoothing",
        lambda x, t: F.cross_entropy(x, t, _w(W4, x), ignore_index=-1, label_smoothing=0.1),
        lambda x, t: _ce(x, t, weight=W4, ignore_index=-1, smoothing=0.1),
        [LOGITS_3D, T3D_IGNORED],
    ),
    OpCase(
        "cross_entropy-unbatched",
        lambda x, t: F.cross_entropy(x, t),
        lambda x, t: _ce(x[None], t[None]),
        [Arg((5,)), np.array(3, dtype=np.int64)],
    ),
    # cross_entropy, class probabilities (differentiable in the target too)
    *_each_reduction(
        "cross_entropy-probs",
        lambda x, p, r: F.cross_entropy(x, p, reduction=r),
        lambda x, p, r: _ce_prob(x, p, reduction=r),
        [LOGITS, PROBS],
    ),
    OpCase(
        "cross_entropy-probs-weight-smoothing",
        lambda x, p: F.cross_entropy(x, p, _w(W5, x), label_smoothing=0.2),
        lambda x, p: _ce_prob(x, p, weight=W5, smoothing=0.2),
        [LOGITS, PROBS],
    ),
    OpCase(
        "cross_entropy-probs-3d",
        lambda x, p: F.cross_entropy(x, p),
        lambda x, p: _ce_prob(x, p),
        [LOGITS_3D, Arg((2, 4, 3), low=0.0, high=1.0)],
    ),
    # nll_loss
    *_each_reduction(
        "nll_loss",
        lambda x, t, r: F.nll_loss(x, t, reduction=r),
        lambda x, t, r: _nll(x, t, reduction=r),
        [LOGITS, T4],
    ),
    *_each_reduction(
        "nll_loss-weight-ignored",
        lambda x, t, r: F.nll_loss(x, t, _w(W5, x), reduction=r),
        lambda x, t, r: _nll(x, t, weight=W5, reduction=r),
        [LOGITS, T4_IGNORED],
    ),
    *_each_reduction(
        "nll_loss-3d-weight-ignored",
        lambda x, t, r: F.nll_loss(x, t, _w(W4, x), ignore_index=-1, reduction=r),
        lambda x, t, r: _nll(x, t, weight=W4, ignore_index=-1, reduction=r),
        [LOGITS_3D, T3D_IGNORED],
    ),
    # binary_cross_entropy
    *_each_reduction(
        "binary_cross_entropy",
        lambda x, t, r: F.binary_cross_entropy(x, t, reduction=r),
        lambda x, t, r: _bce(x, t, reduction=r),
        [Arg(S, low=0.05, high=0.95), Arg(S, low=0.0, high=1.0)],
    ),
    OpCase(
        "binary_cross_entropy-weight",
        lambda x, t: F.binary_cross_entropy(x, t, _w(W4, x)),
        lambda x, t: _bce(x, t, weight=W4),
        [Arg(S, low=0.05, high=0.95), Arg(S, low=0.0, high=1.0)],
    ),
    # binary_cross_entropy_with_logits
    *_each_reduction(
        "binary_cross_entropy_with_logits",
        lambda x, t, r: F.binary_cross_entropy_with_logits(x, t, reduction=r),
        lambda x, t, r: _bce_logits(x, t, reduction=r),
        [Arg(S, low=-4, high=4), Arg(S, low=0.0, high=1.0)],
    ),
    OpCase(
        "binary_cross_entropy_with_logits-weight-pos_weight",
        lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, _w(W4[:3, None], x), pos_weight=_w(PW, x)
        ),
        lambda x, t: _bce_logits(x, t, weight=W4[:3, None], pos_weight=PW),
        [Arg(S, low=-4, high=4), Arg(S, low=0.0, high=1.0)],
    ),
    OpCase(
        "binary_cross_entropy_with_logits-extreme",
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
        lambda x, t: np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))),
        [
            np.array([-500.0, -40.0, -0.5, 0.5, 40.0, 500.0]),
            np.array([1.0, 0.0, 0.3, 0.7, 1.0, 0.0]),
        ],
    ),
]
