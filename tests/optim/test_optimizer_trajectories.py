"""Each optimizer's parameter trajectory matches a float64 NumPy reference of the update
PyTorch documents (its algorithm box; steps counted from 1), on every backend."""

import math

import numpy as np
import pytest

import crossgrad as cg

STEPS = 6
START = [np.array([0.5, -1.5, 2.0]), np.array([[1.0, -0.25], [0.75, -2.0]])]
TARGET = [np.array([1.0, 0.5, -1.0]), np.array([[0.0, 1.0], [-1.0, 0.5]])]


def _loss(params):
    """sum((p - target)**2 + 0.1 p**3): a gradient that changes shape along the way."""
    total = 0
    for p, t in zip(params, TARGET):
        total = total + ((p - cg.tensor(t, dtype=cg.float64)) ** 2 + 0.1 * p**3).sum()
    return total


def _grad(p, t):
    return 2 * (p - t) + 0.3 * p**2


def _run(opt_class, kwargs):
    params = [cg.tensor(a, dtype=cg.float64, requires_grad=True) for a in START]
    opt = opt_class(params, **kwargs)
    path = []
    for _ in range(STEPS):
        opt.zero_grad()
        _loss(params).backward()
        opt.step()
        path.append([p.detach().numpy().copy() for p in params])
    return path


def _reference(update, kwargs):
    params = [a.copy() for a in START]
    states = [{} for _ in params]
    path = []
    for t in range(1, STEPS + 1):
        for i, (p, target) in enumerate(zip(params, TARGET)):
            params[i] = update(p, _grad(p, target), states[i], t, **kwargs)
        path.append([p.copy() for p in params])
    return path


def sgd_ref(
    p, g, s, t, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False
):
    g = -g if maximize else g
    g = g + weight_decay * p
    if momentum:
        s["b"] = g.copy() if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return p - lr * g


def adam_ref(
    p,
    g,
    s,
    t,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled=False,
):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    v = s["v"]
    if amsgrad:
        s["vmax"] = v = np.maximum(s.get("vmax", 0), v)
    m_hat = s["m"] / (1 - b1**t)
    return p - lr * m_hat / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)


def adamw_ref(p, g, s, t, weight_decay=1e-2, **kwargs):
    return adam_ref(p, g, s, t, weight_decay=weight_decay, decoupled=True, **kwargs)


def rmsprop_ref(
    p,
    g,
    s,
    t,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    maximize=False,
):
    g = -g if maximize else g
    g = g + weight_decay * p
    s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g * g
    v = s["v"]
    if centered:
        s["a"] = alpha * s.get("a", 0) + (1 - alpha) * g
        v = v - s["a"] ** 2
    denom = np.sqrt(v) + eps
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0) + g / denom
        return p - lr * s["b"]
    return p - lr * g / denom


def adagrad_ref(
    p,
    g,
    s,
    t,
    lr=1e-2,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
    maximize=False,
):
    g = -g if maximize else g
    g = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    s["sum"] = s.get("sum", initial_accumulator_value) + g * g
    return p - clr * g / (np.sqrt(s["sum"]) + eps)


def adamax_ref(p, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    b1, b2 = betas
    g = -g if maximize else g
    g = g + weight_decay * p
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0), np.abs(g) + eps)
    return p - lr / (1 - b1**t) * s["m"] / s["u"]


def nadam_ref(
    p,
    g,
    s,
    t,
    lr=2e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    momentum_decay=4e-3,
    decoupled_weight_decay=False,
    maximize=False,
):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled_weight_decay:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    s["prod"] = s.get("prod", 1.0) * mu
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    denom = np.sqrt(s["v"] / (1 - b2**t)) + eps
    return (
        p
        - lr * (1 - mu) / (1 - s["prod"]) * g / denom
        - lr * mu_next / (1 - s["prod"] * mu_next) * s["m"] / denom
    )


CASES = [
    (cg.optim.SGD, sgd_ref, dict(lr=0.05)),
    (cg.optim.SGD, sgd_ref, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (cg.optim.SGD, sgd_ref, dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    (cg.optim.Adam, adam_ref, dict(lr=0.1)),
    (cg.optim.Adam, adam_ref, dict(lr=0.1, betas=(0.8, 0.9), weight_decay=0.1, eps=1e-3)),
    (cg.optim.Adam, adam_ref, dict(lr=0.1, amsgrad=True, weight_decay=0.05)),
    (cg.optim.Adam, adam_ref, dict(lr=0.1, maximize=True)),
    (cg.optim.AdamW, adamw_ref, dict(lr=0.1)),
    (cg.optim.AdamW, adamw_ref, dict(lr=0.1, weight_decay=0.3, amsgrad=True)),
    (cg.optim.RMSprop, rmsprop_ref, dict(lr=0.01)),
    (cg.optim.RMSprop, rmsprop_ref, dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.8)),
    (cg.optim.RMSprop, rmsprop_ref, dict(lr=0.01, centered=True, momentum=0.5)),
    (cg.optim.RMSprop, rmsprop_ref, dict(lr=0.01, centered=True, maximize=True)),
    (cg.optim.Adagrad, adagrad_ref, dict(lr=0.1)),
    (
        cg.optim.Adagrad,
        adagrad_ref,
        dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6),
    ),
    (cg.optim.Adamax, adamax_ref, dict(lr=0.1)),
    (cg.optim.Adamax, adamax_ref, dict(lr=0.1, betas=(0.8, 0.95), weight_decay=0.1)),
    (cg.optim.NAdam, nadam_ref, dict(lr=0.1)),
    (cg.optim.NAdam, nadam_ref, dict(lr=0.1, weight_decay=0.1, momentum_decay=0.01)),
    (cg.optim.NAdam, nadam_ref, dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)),
]


def _case_id(case):
    opt_class, _, kwargs = case
    return opt_class.__name__ + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_the_documented_update(backend, case):
    opt_class, reference, kwargs = case
    got = _run(opt_class, kwargs)
    want = _reference(reference, kwargs)
    for step, (got_params, want_params) in enumerate(zip(got, want), start=1):
        for g, w in zip(got_params, want_params):
            np.testing.assert_allclose(
                g, w, rtol=1e-11, atol=1e-13, err_msg=f"{_case_id(case)}, step {step}"
            )


def test_parameters_without_grad_are_left_alone(backend):
    used = cg.tensor([1.0, 2.0], requires_grad=True)
    unused = cg.tensor([3.0], requires_grad=True)
    opt = cg.optim.Adam([used, unused], lr=0.1)
    (used * used).sum().backward()
    opt.step()
    assert unused.tolist() == [3.0]
    assert unused not in opt.state and used in opt.state


def test_state_tensors_live_on_the_parameter_backend_and_dtype(backend):
    w = cg.tensor([1.0, 2.0], dtype=cg.float32, requires_grad=True)
    opt = cg.optim.Adam([w], amsgrad=True)
    (w * w).sum().backward()
    opt.step()
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        assert opt.state[w][key].backend == backend
        assert opt.state[w][key].dtype is cg.float32
    assert w.dtype is cg.float32


def test_step_with_closure_returns_the_loss(backend):
    w = cg.tensor([1.0, 2.0], requires_grad=True)
    opt = cg.optim.RMSprop([w])

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == pytest.approx(5.0)


def test_param_groups_use_their_own_hyper_parameters(backend):
    a = cg.tensor([1.0], dtype=cg.float64, requires_grad=True)
    b = cg.tensor([1.0], dtype=cg.float64, requires_grad=True)
    opt = cg.optim.Adagrad([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (a + b).sum().backward()
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5], rtol=1e-9)


def test_zero_grad_sets_to_none_or_zeroes(backend):
    w = cg.tensor([1.0, 2.0], requires_grad=True)
    opt = cg.optim.Adam([w])
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda w: cg.optim.Adam([w], lr=-1.0), r"Adam: lr must be >= 0.0, received lr=-1.0"),
        (
            lambda w: cg.optim.AdamW([w], betas=(0.9, 1.0)),
            r"AdamW: betas\[1\] must be in \[0.0, 1.0\), received betas\[1\]=1.0",
        ),
        (lambda w: cg.optim.Adam([w], betas=0.9), r"Adam: betas must be a pair"),
        (lambda w: cg.optim.Adam([w], eps=-1e-8), r"Adam: eps must be >= 0.0"),
        (lambda w: cg.optim.Adam([w], weight_decay=-0.1), r"weight_decay=-0.1\nhint:"),
        (lambda w: cg.optim.RMSprop([w], alpha=-0.5), r"RMSprop: alpha must be >= 0.0"),
        (lambda w: cg.optim.RMSprop([w], momentum=-0.5), r"RMSprop: momentum must be >= 0.0"),
        (lambda w: cg.optim.Adagrad([w], lr_decay=-1), r"Adagrad: lr_decay must be >= 0.0"),
        (
            lambda w: cg.optim.Adagrad([w], initial_accumulator_value=-1),
            r"Adagrad: initial_accumulator_value must be >= 0.0",
        ),
        (lambda w: cg.optim.Adamax([w], betas=(-0.1, 0.9)), r"Adamax: betas\[0\] must be in"),
        (lambda w: cg.optim.NAdam([w], momentum_decay=-1.0), r"NAdam: momentum_decay must be"),
        (lambda w: cg.optim.NAdam([w], lr=float("nan")), r"NAdam: lr must be >= 0.0"),
        (lambda w: cg.optim.SGD([w], lr=0.1, nesterov=True), r"SGD: Nesterov momentum needs"),
    ],
)
def test_invalid_hyper_parameters_raise_naming_the_optimizer(make, match):
    w = cg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=match):
        make(w)


def test_empty_parameter_list_raises():
    with pytest.raises(ValueError, match="Adam: got an empty parameter list"):
        cg.optim.Adam([])
