"""detect_anomaly: the first backward that produces NaN or inf raises, naming the op."""

import pytest

import crossgrad


def test_sqrt_of_zero_backward_raises_anomaly_naming_the_node(backend):
    x = crossgrad.tensor([0.0, 1.0], requires_grad=True)
    with crossgrad.autograd.detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(crossgrad.AnomalyError, match="SqrtBackward returned NaN or inf"):
            y.backward()


def test_anomaly_error_includes_the_forward_traceback(backend):
    x = crossgrad.tensor([0.0], requires_grad=True)
    with crossgrad.autograd.detect_anomaly():
        y = x.log().sum()  # the line the traceback must show
        with pytest.raises(crossgrad.AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert "LogBackward" in message
    assert "test_anomaly.py" in message
    assert "x.log().sum()" in message


def test_anomaly_in_a_custom_function_names_it(backend):
    class Bad(crossgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g / 0.0

    x = crossgrad.tensor([1.0], requires_grad=True)
    with crossgrad.autograd.detect_anomaly():
        y = Bad.apply(x).sum()
        with pytest.raises(crossgrad.AnomalyError, match="BadBackward"):
            y.backward()


def test_without_detect_anomaly_inf_gradients_pass_silently(backend):
    x = crossgrad.tensor([0.0], requires_grad=True)
    x.sqrt().sum().backward()
    assert x.grad.tolist() == [float("inf")]


def test_detect_anomaly_is_off_again_after_the_block(backend):
    x = crossgrad.tensor([0.0], requires_grad=True)
    with crossgrad.autograd.detect_anomaly():
        pass
    x.sqrt().sum().backward()  # no AnomalyError
    assert x.grad.tolist() == [float("inf")]


def test_anomaly_error_is_a_runtime_error():
    assert issubclass(crossgrad.AnomalyError, RuntimeError)
