"""Fit ``y = x @ w + b`` with nn.Linear, MSELoss and SGD, and recover the known weights.

Runs on any backend: ``CROSSGRAD_BACKEND=jax python examples/linear_regression.py``.
"""

import numpy as np

import crossgrad
from crossgrad import nn

rng = np.random.default_rng(0)
true_w = np.array([[2.0, -3.0, 0.5]], dtype=np.float32)
true_b = np.array([1.0], dtype=np.float32)
x_np = rng.normal(size=(256, 3)).astype(np.float32)
y_np = x_np @ true_w.T + true_b + 0.01 * rng.normal(size=(256, 1)).astype(np.float32)
x, y = crossgrad.tensor(x_np), crossgrad.tensor(y_np)

crossgrad.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = crossgrad.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
for _step in range(200):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()

weight_error = float(np.abs(model.weight.detach().numpy() - true_w).max())
bias_error = float(np.abs(model.bias.detach().numpy() - true_b).max())
print(f"loss {loss.item():.2e}  weight {model.weight.tolist()}  bias {model.bias.tolist()}")
print(f"max weight error {weight_error:.4f}  bias error {bias_error:.4f}")
