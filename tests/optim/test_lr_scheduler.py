"""Learning-rate schedules: each scheduler's sequence of learning rates equals PyTorch's.

The expected values are closed forms where one is short, else numbers produced by
torch.optim.lr_scheduler 2.13 (offline; tests do not import torch).
"""

import math

import pytest

import crossgrad as cg
from crossgrad.optim import lr_scheduler as S


def _sgd(**kwargs):
    return cg.optim.SGD([cg.zeros(1, requires_grad=True)], lr=1.0, **kwargs)


def _sequence(make, steps, opt=None):
    opt = opt or _sgd()
    sched = make(opt)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == lrs[-1]
    return lrs


def _close(got, want):
    assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    _close(_sequence(lambda o: S.StepLR(o, 3, gamma=0.5), 8), [0.5 ** (e // 3) for e in range(9)])


def test_multi_step_lr_counts_repeated_milestones():
    _close(
        _sequence(lambda o: S.MultiStepLR(o, [2, 5, 5], gamma=0.1), 7),
        [1.0, 1.0, 0.1, 0.1, 0.1, 1e-3, 1e-3, 1e-3],
    )


def test_exponential_lr():
    _close(_sequence(lambda o: S.ExponentialLR(o, 0.9), 5), [0.9**e for e in range(6)])


def test_cosine_annealing_follows_the_closed_form_and_comes_back_up():
    got = _sequence(lambda o: S.CosineAnnealingLR(o, T_max=4, eta_min=0.1), 12)
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(13)]
    _close(got, want)
    # PyTorch 2.13's recursive values, including its rounding at the restart:
    _close(got[7:9], [0.8681980515339467, 1.0000000000000004])


def test_lambda_lr_scales_the_initial_lr():
    _close(
        _sequence(lambda o: S.LambdaLR(o, lambda e: 1 / (e + 1)), 4), [1.0, 0.5, 1 / 3, 0.25, 0.2]
    )


def test_lambda_lr_takes_one_function_per_group_and_checks_the_count():
    a, b = cg.zeros(1, requires_grad=True), cg.zeros(1, requires_grad=True)
    opt = cg.optim.SGD([{"params": [a]}, {"params": [b], "lr": 2.0}], lr=1.0)
    sched = S.LambdaLR(opt, [lambda e: 1.0, lambda e: 0.5**e])
    sched.step()
    assert sched.get_last_lr() == [1.0, 1.0]
    with pytest.raises(ValueError, match=r"LambdaLR: expected 2 values of lr_lambda"):
        S.LambdaLR(opt, [lambda e: 1.0])


class _Warmup:
    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


def test_lambda_lr_state_dict_keeps_callable_objects_attributes_but_not_functions():
    sched = S.LambdaLR(_sgd(), _Warmup(4))
    saved = sched.state_dict()
    assert saved["lr_lambdas"] == [{"epochs": 4}] and "optimizer" not in saved
    other = S.LambdaLR(_sgd(), _Warmup(10))
    other.load_state_dict(saved)
    assert other.lr_lambdas[0].epochs == 4
    assert S.LambdaLR(_sgd(), lambda e: 1.0).state_dict()["lr_lambdas"] == [None]


def test_linear_lr_interpolates_then_holds():
    _close(
        _sequence(lambda o: S.LinearLR(o, start_factor=0.25, end_factor=0.75, total_iters=4), 6),
        [0.25, 0.375, 0.5, 0.625, 0.75, 0.75, 0.75],
    )


def _one_cycle(opt, momentum_of, steps, **kwargs):
    sched = S.OneCycleLR(opt, **kwargs)
    lrs, moms = [sched.get_last_lr()[0]], [momentum_of(opt.param_groups[0])]
    for _ in range(steps - 1):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        moms.append(momentum_of(opt.param_groups[0]))
    return lrs, moms


def test_one_cycle_cos_cycles_lr_and_sgd_momentum():
    lrs, moms = _one_cycle(
        _sgd(momentum=0.9), lambda g: g["momentum"], 10, max_lr=0.5, total_steps=10
    )
    _close(
        lrs,
        [
            0.020000000000000018,
            0.26,
            0.5,
            0.47524231600673683,
            0.40587282697488153,
            0.30563101096814466,
            0.19437098903185537,
            0.09412917302511849,
            0.024759683993263143,
            2e-06,
        ],
    )
    _close(
        moms,
        [
            0.95,
            0.8999999999999999,
            0.85,
            0.854951556604879,
            0.8688255099070633,
            0.8888739533021842,
            0.9111260466978157,
            0.9311744900929366,
            0.945048443395121,
            0.95,
        ],
    )


def test_one_cycle_linear_three_phase_cycles_adam_beta1():
    opt = cg.optim.Adam([cg.zeros(1, requires_grad=True)], lr=1.0)
    lrs, moms = _one_cycle(
        opt,
        lambda g: g["betas"][0],
        10,
        max_lr=1.0,
        total_steps=10,
        anneal_strategy="linear",
        three_phase=True,
        pct_start=0.25,
        div_factor=10.0,
        final_div_factor=100.0,
    )
    _close(
        lrs,
        [
            0.1,
            0.7,
            0.7,
            0.09999999999999998,
            0.0835,
            0.067,
            0.0505,
            0.034,
            0.0175,
            0.0010000000000000009,
        ],
    )
    _close(moms, [0.95, 0.8833333333333333, 0.8833333333333333] + [0.95] * 7)
    assert opt.param_groups[0]["betas"][1] == 0.999


def test_one_cycle_raises_past_total_steps_and_on_bad_arguments():
    opt = _sgd(momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, epochs=1, steps_per_epoch=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match=r"OneCycleLR: stepped 3 times but total_steps=2"):
        sched.step()
    with pytest.raises(ValueError, match=r"pass total_steps, or both epochs"):
        S.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match=r"anneal_strategy must be 'cos' or 'linear'"):
        S.OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match=r"cycle_momentum needs an optimizer with momentum"):
        S.OneCycleLR(cg.optim.Adagrad([cg.zeros(1, requires_grad=True)]), max_lr=1.0, total_steps=5)


def _plateau(metrics, **kwargs):
    opt = _sgd()
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    lrs = []
    for m in metrics:
        sched.step(m)
        lrs.append(sched.get_last_lr()[0])
    return lrs


def test_reduce_on_plateau_min_rel_with_cooldown():
    assert _plateau([5, 4, 4, 4, 4, 4, 3, 3, 3, 3], patience=2, factor=0.5, cooldown=1) == [
        1.0,
        1.0,
        1.0,
        1.0,
        0.5,
        0.5,
        0.5,
        0.5,
        0.5,
        0.25,
    ]


def test_reduce_on_plateau_max_abs_stops_at_min_lr():
    assert _plateau(
        [1, 2, 2.05, 2.2, 2.2, 2.2, 2.2],
        mode="max",
        threshold=0.1,
        threshold_mode="abs",
        patience=1,
        factor=0.1,
        min_lr=0.005,
    ) == [1.0, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1]
    assert _plateau([1.0] * 12, patience=0, factor=0.1, min_lr=0.005)[-1] == 0.005


def test_reduce_on_plateau_accepts_a_tensor_metric_and_validates():
    assert _plateau([cg.tensor(1.0), cg.tensor(2.0)], patience=0, factor=0.5) == [1.0, 0.5]
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau: factor must be < 1"):
        S.ReduceLROnPlateau(_sgd(), factor=1.5)
    with pytest.raises(ValueError, match=r"mode must be 'min' or 'max', received mode='up'"):
        S.ReduceLROnPlateau(_sgd(), mode="up")
    with pytest.raises(ValueError, match=r"threshold_mode must be 'rel' or 'abs'"):
        S.ReduceLROnPlateau(_sgd(), threshold_mode="pct")


def test_scheduler_state_dict_round_trip_continues_the_schedule():
    opt = _sgd()
    sched = S.CosineAnnealingLR(opt, T_max=5)
    for _ in range(3):
        sched.step()
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 3
    expected = [sched.step() or sched.get_last_lr()[0] for _ in range(3)]

    opt2 = _sgd()
    sched2 = S.CosineAnnealingLR(opt2, T_max=5)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    _close([sched2.step() or sched2.get_last_lr()[0] for _ in range(3)], expected)


def test_resuming_without_initial_lr_raises():
    with pytest.raises(KeyError, match=r"StepLR: param_groups\[0\] has no 'initial_lr'"):
        S.StepLR(_sgd(), step_size=2, last_epoch=4)


def test_scheduler_rejects_bad_arguments():
    with pytest.raises(TypeError, match=r"StepLR: expected an Optimizer, received list"):
        S.StepLR([], step_size=1)
    with pytest.raises(ValueError, match=r"StepLR: step_size must be a positive int"):
        S.StepLR(_sgd(), step_size=0)
    with pytest.raises(ValueError, match=r"LinearLR: start_factor must be in \(0, 1\]"):
        S.LinearLR(_sgd(), start_factor=0.0)
    with pytest.raises(ValueError, match=r"CosineAnnealingLR: T_max must be > 0"):
        S.CosineAnnealingLR(_sgd(), T_max=0)
