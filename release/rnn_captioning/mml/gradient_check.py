"""Numerical gradients by centred differences, to check analytic backward passes.

Both functions perturb ``x`` *in place* and call ``f(x)``. The checks in the
notebooks rely on this: their lambdas ignore their argument and read the
perturbed array through a closure, e.g. ``lambda _: model.loss(...)[0]``.

数值梯度：用中心差分 (f(x+h) - f(x-h)) / 2h 逐元素近似梯度，用来检验反向传播。
两个函数都会原地扰动 x，然后恢复原值。
"""
import numpy as np

__all__ = ["eval_numerical_gradient", "eval_numerical_gradient_array", "rel_error"]


def rel_error(x, y):
    """Largest elementwise relative error max |x - y| / max(1e-8, |x| + |y|)."""
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))


def _values_around(f, x, ix, h):
    """f(x) with x[ix] moved up by h and down by h; x[ix] is restored after."""
    old_value = x[ix]
    x[ix] = old_value + h
    up = np.copy(f(x))    # copy: f may return a view of x or reuse its buffer
    x[ix] = old_value - h
    down = np.copy(f(x))
    x[ix] = old_value
    return up, down


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function f at x.

    Inputs:
    - f: function taking one argument and returning a scalar
    - x: array at which to evaluate the gradient; perturbed in place, restored
    - verbose: print every coordinate's gradient as it is computed
    - h: step of the centred difference

    Returns:
    - grad: array of the shape of x
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        up, down = _values_around(f, x, ix, h)
        grad[ix] = (up - down) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of an array-valued function f at x, contracted with
    the upstream gradient df: grad[i] = sum((f(x + h e_i) - f(x - h e_i)) * df) / 2h.

    Inputs:
    - f: function taking one argument and returning an array
    - x: array at which to evaluate; perturbed in place, restored
    - df: upstream gradient, of the shape of f(x)
    - h: step of the centred difference

    Returns:
    - grad: array of the shape of x
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        up, down = _values_around(f, x, ix, h)
        grad[ix] = np.sum((up - down) * df) / (2 * h)
    return grad
