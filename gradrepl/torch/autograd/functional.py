"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, vhp, hvp."""

from gradrepl.engine.functional import hessian, hvp, jacobian, jvp, vhp, vjp  # noqa: F401
