"""The first program of the README: a loss, backward, and a manual SGD step."""

import crossgrad

x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
y = x**2
z = (y + 1) / x
loss = ((z - 1) ** 2).sum()
loss.backward()
print("loss", loss.item(), "grad", x.grad.tolist())

with crossgrad.no_grad():
    x -= 0.01 * x.grad
    x.grad.zero_()
print("updated x", x.tolist())
