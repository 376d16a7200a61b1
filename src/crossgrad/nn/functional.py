"""``crossgrad.nn.functional``: activations, losses and other stateless nn ops."""

from __future__ import annotations

__all__: list[str] = []
