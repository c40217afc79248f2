"""Elementwise float functions computed as PyTorch 2.13's CPU kernels compute them.

``kernels`` holds one forward per op; ``loops`` splits a tensor as ATen's vectorised loop does;
``sleef`` (exp), ``sleef_single`` and ``sleef_double`` (pow, exp2, expm1, log1p, log...) are our
numpy versions of the SLEEF functions torch calls on whole vectors, on ``double_float``'s
double-word arithmetic; ``libm`` is the C library torch's scalar loops call; ``softmax`` is
softmax and log_softmax, forward and backward; ``fused`` is the float32 fused multiply-add
SLEEF's FMA builds make, emulated exactly; ``blocks`` runs a kernel over a large array a block
at a time (cache-sized temporaries, the same bits). docs/floats.md has the op-by-op account and the
measured share of bit-identical results.
"""
