"""Plugins: hook specs and the plugin manager (the only package that imports pluggy)."""
