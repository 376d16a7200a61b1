"""The autograd core: Tensor bookkeeping, Node/ctx, Function, the engine, grad mode, dtypes,
errors. It imports nothing else of crossgrad."""
