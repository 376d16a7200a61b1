"""A user-defined differentiable op with ctx.save_for_backward, as in PyTorch."""

import crossgrad


class Cube(crossgrad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


x = crossgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
Cube.apply(x).sum().backward()
print("d/dx x^3 =", x.grad.tolist())
