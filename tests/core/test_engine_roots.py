"""Several roots: seeds are delivered like any other gradient."""

import crossgrad


def test_grad_of_several_outputs_ignores_an_output_that_does_not_reach_the_inputs(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    z = crossgrad.tensor([3.0], requires_grad=True)
    (gx,) = crossgrad.autograd.grad([(x * x).sum(), (z * 2).sum()], x)
    assert gx.tolist() == [2.0, 4.0]


def test_a_root_that_feeds_another_root_runs_after_it(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    s = y.sum()
    crossgrad.autograd.backward([s, y], [crossgrad.tensor(1.0), crossgrad.ones(2)])
    assert x.grad.tolist() == [6.0, 6.0]
