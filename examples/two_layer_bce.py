"""A two-layer network with a sigmoid output, BCELoss and SGD, on two interleaved moons.

Runs on any backend: ``CROSSGRAD_BACKEND=jax python examples/two_layer_bce.py``.
"""

import numpy as np

import crossgrad
from crossgrad import nn

rng = np.random.default_rng(0)
n = 200
angle = rng.uniform(0, np.pi, size=n)
upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
x_np = np.concatenate([upper, lower]) + 0.1 * rng.normal(size=(2 * n, 2))
y_np = np.concatenate([np.zeros(n), np.ones(n)])[:, None]
x = crossgrad.tensor(x_np.astype(np.float32))
y = crossgrad.tensor(y_np.astype(np.float32))

crossgrad.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 1), nn.Sigmoid())
optimizer = crossgrad.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
loss_fn = nn.BCELoss()
for _step in range(500):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()

with crossgrad.no_grad():
    predicted = model(x).numpy() > 0.5
accuracy = float((predicted == (y_np > 0.5)).mean())
print(f"loss {loss.item():.4f}  training accuracy {accuracy:.1%}")
