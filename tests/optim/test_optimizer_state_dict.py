"""Optimizer.state_dict / load_state_dict: PyTorch's layout, round trips that continue the
same trajectory, and load errors that change nothing."""

import numpy as np
import pytest

import crossgrad as cg

OPTIMIZERS = [
    (cg.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (cg.optim.Adam, dict(lr=0.1, amsgrad=True)),
    (cg.optim.AdamW, dict(lr=0.1)),
    (cg.optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (cg.optim.Adagrad, dict(lr=0.1, lr_decay=0.1)),
    (cg.optim.Adamax, dict(lr=0.1)),
    (cg.optim.NAdam, dict(lr=0.1)),
]


def _params():
    return [
        cg.tensor([0.5, -1.5, 2.0], dtype=cg.float64, requires_grad=True),
        cg.tensor([[1.0, -0.25]], dtype=cg.float64, requires_grad=True),
    ]


def _train(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        sum(((p - 0.3) ** 2 + 0.1 * p**3).sum() for p in params).backward()
        opt.step()


def _values(params):
    return [p.detach().numpy().copy() for p in params]


@pytest.mark.parametrize("opt_class, kwargs", OPTIMIZERS, ids=[c.__name__ for c, _ in OPTIMIZERS])
def test_round_trip_continues_the_same_trajectory(backend, opt_class, kwargs):
    params = _params()
    opt = opt_class([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], **kwargs)
    _train(opt, params, 3)
    copies = [cg.tensor(v, dtype=cg.float64, requires_grad=True) for v in _values(params)]
    fresh = opt_class([{"params": copies[:1]}, {"params": copies[1:]}], **kwargs)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[1]["lr"] == 0.05
    _train(opt, params, 3)
    _train(fresh, copies, 3)
    for got, want in zip(_values(copies), _values(params)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_layout_is_pytorchs_indices_across_groups(backend):
    params = _params()
    opt = cg.optim.Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}], lr=0.1)
    _train(opt, params, 2)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(sd["state"]) == [0, 1]
    assert sd["state"][1]["step"] == 2
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}


def test_loaded_state_is_a_copy_on_the_parameter_backend(backend):
    params = _params()
    opt = cg.optim.Adam(params, lr=0.1)
    _train(opt, params, 1)
    saved = opt.state_dict()
    saved_numpy = {
        k: v.to("numpy") if isinstance(v, cg.Tensor) else v for k, v in saved["state"][0].items()
    }
    before = saved_numpy["exp_avg"].numpy().copy()
    fresh = cg.optim.Adam(_params(), lr=0.1)
    fresh.load_state_dict({"state": {0: saved_numpy}, "param_groups": saved["param_groups"]})
    loaded = fresh.state[fresh.param_groups[0]["params"][0]]["exp_avg"]
    assert loaded.backend == backend
    loaded.mul_(0.0)
    np.testing.assert_array_equal(saved_numpy["exp_avg"].numpy(), before)


@pytest.mark.parametrize(
    "groups, state_dict, match",
    [
        (
            [{"params": [0]}, {"params": [1]}],
            None,
            r"Adam.load_state_dict: the saved state has 1 parameter group\(s\) but this optimizer "
            r"has 2",
        ),
        (
            [{"params": [0]}],
            {"state": {}, "param_groups": [{"lr": 0.1, "params": [0, 1, 2]}]},
            r"Adam.load_state_dict: parameter group 0 has 3 parameter\(s\) in the saved state "
            r"but 1 here",
        ),
        (
            [{"params": [0, 1]}],
            {"state": {}},
            r"expected a dict with keys 'state' and 'param_groups', received \['state'\]",
        ),
        (
            [{"params": [0, 1]}],
            {"state": {7: {}}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
            r"names parameter indices \[7\] that no parameter group lists",
        ),
    ],
)
def test_load_errors_name_the_mismatch_and_change_nothing(groups, state_dict, match):
    params = _params()
    source = cg.optim.Adam(params, lr=0.1)
    _train(source, params, 1)
    state_dict = state_dict or source.state_dict()
    target_params = _params()
    target = cg.optim.Adam(
        [{"params": [target_params[i] for i in g["params"]]} for g in groups], lr=0.3
    )
    before = (dict(target.state), [dict(g) for g in target.param_groups])
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(state_dict)
    assert (target.state, target.param_groups) == before


def test_add_param_group_fills_defaults(backend):
    a, b = _params()
    opt = cg.optim.RMSprop([a], lr=0.1, alpha=0.9)
    opt.add_param_group({"params": b, "lr": 0.2})
    assert opt.param_groups[1]["alpha"] == 0.9 and opt.param_groups[1]["lr"] == 0.2
    with pytest.raises(ValueError, match="RMSprop: some parameters appear in more than one"):
        opt.add_param_group({"params": [a]})


def _trained_state(opt_class, kwargs):
    params = _params()
    opt = opt_class(params, **kwargs)
    _train(opt, params, 2)
    return opt.state_dict()


@pytest.mark.parametrize("opt_class, kwargs", OPTIMIZERS, ids=[c.__name__ for c, _ in OPTIMIZERS])
def test_a_wrong_shaped_state_tensor_is_refused_before_anything_changes(backend, opt_class, kwargs):
    saved = _trained_state(opt_class, kwargs)
    key = next(k for k, v in saved["state"][0].items() if isinstance(v, cg.Tensor) and v.ndim)
    saved["state"][0][key] = cg.zeros(1, 1, dtype=cg.float64)
    params = _params()
    opt = opt_class(params, **kwargs)
    _train(opt, params, 1)
    before = opt.state_dict()
    with pytest.raises(
        cg.ShapeError,
        match=rf"{opt_class.__name__}.load_state_dict: state\[0\]\['{key}'\] has "
        rf"shape=\(1, 1\), but parameter 0 has shape=\(3,\)",
    ):
        opt.load_state_dict(saved)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for k, state in before["state"].items():
        for name, value in state.items():
            got = after["state"][k][name]
            assert (got.tolist() if isinstance(got, cg.Tensor) else got) == (
                value.tolist() if isinstance(value, cg.Tensor) else value
            )


def test_a_non_floating_state_tensor_for_a_floating_parameter_is_refused(backend):
    saved = _trained_state(cg.optim.Adam, dict(lr=0.1))
    saved["state"][1]["exp_avg"] = cg.zeros(1, 2, dtype=cg.int64)
    opt = cg.optim.Adam(_params(), lr=0.1)
    with pytest.raises(cg.DTypeError, match=r"state\[1\]\['exp_avg'\] has dtype=crossgrad.int64"):
        opt.load_state_dict(saved)
    assert opt.state == {}
