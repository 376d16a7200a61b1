"""A second derivative: autograd.grad twice, the first with create_graph=True."""

import crossgrad

x = crossgrad.tensor(3.0, requires_grad=True)
y = x**3
(dy,) = crossgrad.autograd.grad(y, x, create_graph=True)
(d2y,) = crossgrad.autograd.grad(dy, x)
print("dy/dx =", dy.item(), " d2y/dx2 =", d2y.item())
