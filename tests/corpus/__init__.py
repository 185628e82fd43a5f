"""Realistic differentiable functions in the styles of public examples (autograd's and JAX's
examples, Tangent's tests, d2l, PyTorch tutorials), written with the numpy ops symdiff supports and
the Python around them: parameter trees, loops over layers, shapes as values, closures, globals."""
