"""Elementwise float functions computed as PyTorch 2.13's CPU kernels compute them.

``kernels`` holds one forward per op; ``loops`` splits a tensor as ATen's vectorised loop does;
``sleef`` and ``libm`` are the vector and scalar functions torch calls. docs/floats.md has the
op-by-op account and the measured share of bit-identical results.
"""
