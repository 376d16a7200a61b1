"""Every op of this plugin through crossgrad's op-table checks, on every backend."""

from crossgrad.testing.conformance import conformance_tests

TestFused = conformance_tests("fused")
