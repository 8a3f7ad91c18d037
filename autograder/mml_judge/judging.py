"""Comparing what the child returned with the reference, in the trusted parent.

A check hands over the expected outputs and, for the classic mistakes, the
outputs of deliberately broken variants (computed here from the reference);
a student whose outputs match a variant gets that mistake's diagnosis.
"""
from dataclasses import dataclass

import numpy as np

from . import reference
from .messages import describe_child_failure, failed, passed


@dataclass
class Context:
    """Where the student's code is, and the limits of each child run."""
    student_dir: object
    limits: object

    def run(self, task, arrays, training=False):
        from .sandbox import run_in_child  # the child machinery only when a check runs
        return run_in_child(self.student_dir, task, arrays, self.limits, training=training)


def call_task(function, args, outputs):
    """A child task: outputs = function(*args) from the student's rnn_layers
    (an output name None is not sent back, e.g. the cache)."""
    return {"kind": "call", "module": "rnn_layers", "function": function, "args": args, "outputs": outputs}


def backward_task(forward, args, forward_outputs, backward, upstream, outputs):
    """A child task: the student's forward on args, then the student's backward
    on (*upstream, cache); forward_outputs names the forward's outputs but the cache."""
    return {"kind": "forward_backward", "module": "rnn_layers", "forward": forward, "args": args,
            "forward_outputs": forward_outputs, "backward": backward, "upstream": upstream, "outputs": outputs}


def mismatch(name, result, expected, tol):
    """(中文, English) saying how output `name` differs from `expected`, or None.

    tol 0 means exact equality (word indices); tol None compares only that an
    array of the expected shape came back (the values are judged elsewhere)."""
    desc = result.described.get(name)
    if desc is None:
        return (f"没有返回 {name}", f"no {name} was returned")
    if desc["kind"] == "none":
        return (f"{name} 是 None（还没有实现？）", f"{name} is None (not implemented yet?)")
    if desc["kind"] != "array":
        return (f"{name} 的类型是 {desc['type']}，不是 numpy 数组", f"{name} is a {desc['type']}, not a numpy array")
    got = result.outputs[name]
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return (f"{name} 的形状为 {got.shape}，应为 {expected.shape}",
                f"{name} has shape {got.shape}, expected {expected.shape}")
    if not (np.issubdtype(got.dtype, np.number) or got.dtype == bool):
        return (f"{name} 的 dtype 是 {got.dtype}，不是数值", f"{name} has dtype {got.dtype}, not a number")
    if tol is None:
        return None
    if tol == 0:
        wrong = int(np.sum(np.any(np.atleast_2d(got != expected), axis=-1)))
        if wrong:
            return (f"{name} 有 {wrong} 行与参考实现不同", f"{wrong} row(s) of {name} differ from the reference")
        return None
    got = got.astype(np.float64)
    if not np.all(np.isfinite(got)):
        return (f"{name} 含有 NaN 或无穷大", f"{name} contains NaN or infinity")
    error = float(reference.rel_error(got, np.asarray(expected, dtype=np.float64)))
    if error > tol:
        return (f"{name} 与参考实现的相对误差为 {error:.1e}（应小于 {tol:g}）",
                f"{name} has relative error {error:.1e} against the reference (should be below {tol:g})")
    return None


def verdict(name, ctx, result, expected, tol, idea, variants=()):
    """The Verdict for outputs `expected` (dict name -> array).

    variants: (outputs dict, idea key) of broken implementations; the first
    one that the student's outputs reproduce names the mistake."""
    keys = ", ".join(expected)
    want = (f"{keys} 与参考实现一致" + (f"（相对误差小于 {tol:g}）" if tol else ""),
            f"{keys} to match the reference" + (f" (relative error below {tol:g})" if tol else ""))
    if result.status != "ok":
        return failed(name, want, describe_child_failure(result, ctx.limits), idea, status=result.status)
    problems = [p for p in (mismatch(k, result, v, tol) for k, v in expected.items()) if p]
    if not problems:
        return passed(name, f"{keys} 与参考实现一致", f"{keys}: the same as the reference")
    for outputs, variant_idea in variants:
        if all(mismatch(k, result, v, max(tol, 1e-6) if tol else 0) is None for k, v in outputs.items()):
            return failed(name, want, (f"{problems[0][0]}——这正是一个典型错误给出的结果",
                                       f"{problems[0][1]}, exactly what a classic mistake gives"),
                          variant_idea, status="mistake")
    got = ("；".join(p[0] for p in problems[:2]), "; ".join(p[1] for p in problems[:2]))
    return failed(name, want, got, idea, status="wrong")
