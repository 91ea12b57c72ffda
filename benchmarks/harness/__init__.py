"""The benchmark harness behind scripts/bench: opendb against official-SDK references and an import floor.

It runs in the test environment (.venv), serves the local emulator, and starts
every benchmarked program as a fresh process through
``benchmarks/function_runner.py``.
"""
