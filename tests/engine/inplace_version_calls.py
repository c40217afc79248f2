"""Version counters and torch's "modified by an inplace operation" error, as source text run
against gradrepl and torch (shared by test_inplace_versions.py, recorded, and
test_inplace_versions_torch.py, live)."""

SCRIPTS = [
    "x=torch.ones(3); out=[x._version]; x.add_(1); out.append(x._version); x.mul_(2); "
    "out.append(x._version); x[0]=5; out.append(x._version)",
    "x=torch.ones(3,2); y=x[0]; y.add_(1); out=(x._version, y._version)",
    "x=torch.ones(3); y=x.view(3); y.mul_(2); out=(x._version,y._version)",
    "x=torch.ones(3); x+=1; x-=1; out=x._version",
    "x=torch.ones(3,requires_grad=True); opt=torch.optim.SGD([x],lr=0.1); "
    "(x*2).sum().backward(); opt.step(); out=(x._version, x.grad._version)",
    "x=torch.ones(3,requires_grad=True); opt=torch.optim.Adam([x],lr=0.1); "
    "(x*2).sum().backward(); opt.step(); opt.step(); out=(x._version, x.grad._version)",
    "x=torch.ones(3); x.zero_(); x.fill_(2); x.clamp_(0,1); x.copy_(torch.zeros(3)); out=x._version",
    "x=torch.ones(3); y=x.detach(); y.add_(1); out=x._version",
    "x=torch.ones(3); x[[0,1]] = 2; x[x>1] = 3; out=x._version",
    "x=torch.ones(3); torch.add(x, 1, out=x); out=x._version",
    "x=torch.ones(3); out=x.add(1)._version",
    "a=torch.ones(3, requires_grad=True); b=a*2; c=b*b; b.add_(1); c.sum().backward()",
    "a=torch.ones(3, requires_grad=True); b=a.exp(); b.add_(1); b.sum().backward()",
    "a=torch.ones(3, requires_grad=True); b=a.sigmoid(); b.mul_(2); b.sum().backward()",
    "a=torch.ones(3, requires_grad=True); b=a*1; c=b*b; b.add_(1); b.add_(1); c.sum().backward()",
    "a=torch.ones(3, requires_grad=True); b=a*1; c=b[0]*b; b[0]=2; c.sum().backward()",
    "b=torch.ones(3,requires_grad=True)*1; c=b[0].sin(); b[0]=2; c.backward()",
    "b=torch.ones(3,requires_grad=True)*1; v=b[1:]; c=v.sin(); b.add_(1); c.sum().backward()",
    "b=torch.ones(2,3,requires_grad=True)*1; v=b.t(); c=v.sin(); b.add_(1); c.sum().backward()",
]
# both operands changed in place, other twice: which one torch names (its backward's unpacking order)
BOTH_CHANGED = [
    "a*b", "a/b", "a**b", "torch.maximum(a,b)", "torch.minimum(a,b)", "torch.atan2(a,b)",
    "torch.hypot(a,b)", "torch.fmod(a,b)", "torch.remainder(a,b)", "torch.cross(a,b,dim=0)",
    "torch.mm(a.view(3,1),b.view(1,3))", "torch.mv(torch.outer(a,a), b)", "torch.xlogy(a,b)",
    "torch.logaddexp(a,b)", "torch.logaddexp2(a,b)", "torch.dot(a,b)", "torch.vdot(a,b)",
    "torch.copysign(a,b)", "torch.bmm(a.view(1,3,1),b.view(1,1,3))", "torch.fmax(a,b)",
    "torch.fmin(a,b)", "torch.outer(a,b)", "torch.where(a>0,a,b)*a", "torch.addcmul(a,a,b)",
    "torch.nn.functional.mse_loss(a,b)",
]
BOTH_CHANGED_SCRIPTS = [
    "a0=torch.ones(3,requires_grad=True); b0=torch.full((3,),2.,requires_grad=True); a=a0*1; "
    f"b=b0+0; c={op}; a.add_(1); b.add_(1); b.add_(1); c.sum().backward()" for op in BOTH_CHANGED]


def outcome(torch, script: str) -> str:
    namespace = {"torch": torch}
    try:
        exec(script, namespace)
    except Exception as error:  # noqa: BLE001 (compared with torch's, whatever it is)
        return f"{type(error).__name__}: {error}"
    return repr(namespace.get("out"))
