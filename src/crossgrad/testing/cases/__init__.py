"""crossgrad's own op table: one module of :class:`~crossgrad.testing.OpCase` rows per op
module, each a ``CASES`` list. ``tests/test_op_table.py`` and ``crossgrad check`` run them."""
