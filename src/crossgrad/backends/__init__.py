"""Backends: one module per array library, each registered through the plugin hook."""
