"""``torch.func``: grad, grad_and_value, vjp, jacrev and vmap."""

from gradrepl.engine.func import grad, grad_and_value, jacrev, vjp, vmap  # noqa: F401


def __getattr__(name):
    if name in ("jacfwd", "jvp", "hessian", "linearize", "functional_call", "stack_module_state",
                "functionalize", "replace_all_batch_norm_modules_", "debug_unwrap"):
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.func.{name}")
    raise AttributeError(f"module 'torch.func' has no attribute '{name}'")
