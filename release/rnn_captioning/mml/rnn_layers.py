"""Layers of a recurrent captioning model: vanilla RNN, LSTM, word embedding,
temporal affine and the masked temporal softmax loss.

Every layer is a pair of pure functions in the CS231n style: ``*_forward``
returns ``(out, cache)`` and ``*_backward`` takes the upstream gradient and that
cache and returns the gradients of every input, in the order of the forward
arguments.

Dimension letters, used in every docstring below (batch first everywhere):
    N  minibatch size          T  number of timesteps
    D  input (word vector) size H  hidden size
    V  vocabulary size         M  output size of an affine layer

Math symbols and their names in code (the book uses the same):
    h_t = tanh(x_t W_x + h_{t-1} W_h + b)     Wx: (D, H), Wh: (H, H), b: (H,)

每一层都是一对纯函数：前向返回 ``(out, cache)``，反向接收上游梯度和 cache，
按前向参数的顺序返回各个梯度。
"""
import numpy as np

__all__ = [
    "sigmoid",
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "word_embedding_forward", "word_embedding_backward",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "temporal_affine_forward", "temporal_affine_backward",
    "temporal_softmax_loss",
]


# ---------------------------------------------------------------------------
# Vanilla RNN / 普通循环神经网络
# ---------------------------------------------------------------------------

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One timestep of a vanilla RNN with a tanh activation.

    next_h = tanh(x Wx + prev_h Wh + b)

    Inputs:
    - x: input data for this timestep, of shape (N, D)
    - prev_h: hidden state from the previous timestep, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H)
    - cache: whatever rnn_step_backward needs
    """
    next_h, cache = None, None
    # 提示：一次矩阵乘法处理整个小批量；np.tanh 逐元素作用。把反向传播需要的量存进 cache。
    # Hint: one matrix product handles the whole minibatch; np.tanh is elementwise.
    # Keep in cache what the backward pass will need (next_h gives tanh' cheaply).
    # YOUR CODE HERE
    raise NotImplementedError()
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """Backward pass for one timestep of a vanilla RNN.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, of shape (N, H)
    - cache: cache from rnn_step_forward

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, D)
    - dprev_h: gradient of the previous hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, H)
    - db: gradient of the biases, of shape (H,)
    """
    dx, dprev_h, dWx, dWh, db = None, None, None, None, None
    # 提示：d tanh(a)/da = 1 - tanh(a)^2。先求对预激活 a 的梯度，其余都是矩阵乘法。
    # Hint: d tanh(a)/da = 1 - tanh(a)^2. Find the gradient of the
    # pre-activation a first; everything else is a matrix product or a sum.
    # YOUR CODE HERE
    raise NotImplementedError()
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over a whole sequence of T timesteps.

    The hidden state starts at h0 and is updated once per timestep with
    rnn_step_forward, using the same weights at every step.

    Inputs:
    - x: input data for the entire sequence, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)

    Returns a tuple of:
    - h: hidden states for the entire sequence, of shape (N, T, H)
    - cache: whatever rnn_backward needs
    """
    h, cache = None, None
    # 提示：沿时间维循环，每一步调用 rnn_step_forward，把结果写入 h[:, t, :]。
    # Hint: loop over time, call rnn_step_forward at each step and write the
    # result into h[:, t, :]. Give h the dtype of x.
    # YOUR CODE HERE
    raise NotImplementedError()
    return h, cache


def rnn_backward(dh, cache):
    """Backward pass for a vanilla RNN over a whole sequence (backpropagation
    through time).

    Inputs:
    - dh: upstream gradients of all hidden states, of shape (N, T, H).
      It holds only the gradient that reaches each h_t from the loss directly,
      not the part that flows back from h_{t+1}; rnn_backward adds that part.

    Returns a tuple of:
    - dx: gradient of the inputs, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, H)
    - db: gradient of the biases, of shape (H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # 提示：从最后一个时间步往前走。第 t 步收到的梯度 = dh[:, t, :] + 从 t+1 步传回的 dprev_h。
    # 权重在每一步共享，所以它们的梯度要累加。
    # Hint: walk from the last timestep back to the first. The gradient
    # reaching step t is dh[:, t, :] plus the dprev_h that step t+1 sent back.
    # The weights are shared by every step, so their gradients add up.
    # YOUR CODE HERE
    raise NotImplementedError()
    return dx, dh0, dWx, dWh, db


# ---------------------------------------------------------------------------
# Word embedding / 词嵌入
# ---------------------------------------------------------------------------

def word_embedding_forward(x, W):
    """Look up a D-dimensional vector for every word index.

    Inputs:
    - x: integer array of shape (N, T), each entry a word index in [0, V)
    - W: embedding matrix of shape (V, D); row v is the vector of word v

    Returns a tuple of:
    - out: word vectors, of shape (N, T, D)
    - cache: whatever word_embedding_backward needs
    """
    out, cache = None, None
    # 提示：用整数数组做索引（W[x]）即可一次取出所有词向量，不需要循环。
    # Hint: integer-array indexing (W[x]) looks up every word at once; no loop.
    # YOUR CODE HERE
    raise NotImplementedError()
    return out, cache


def word_embedding_backward(dout, cache):
    """Backward pass for word embeddings.

    We cannot back-propagate into the word indices (they are integers), so
    only the gradient of the embedding matrix is returned.

    Inputs:
    - dout: upstream gradients, of shape (N, T, D)
    - cache: cache from word_embedding_forward

    Returns:
    - dW: gradient of the embedding matrix, of shape (V, D)
    """
    dW = None
    # 提示：同一个词可能出现多次，它的梯度要累加。dW[x] += dout 会丢掉重复项；请看 np.add.at。
    # Hint: a word can appear many times and its gradients must add up.
    # dW[x] += dout silently drops repeats; look at np.add.at.
    # YOUR CODE HERE
    raise NotImplementedError()
    return dW


# ---------------------------------------------------------------------------
# LSTM / 长短期记忆网络
# ---------------------------------------------------------------------------

def sigmoid(x):
    """A numerically stable logistic sigmoid, 1 / (1 + exp(-x)), elementwise.

    For x >= 0 this is 1 / (1 + exp(-x)); for x < 0 it is exp(x) / (1 + exp(x)).
    One expression covers both: exp is only ever taken of a non-positive
    number, so it never overflows, and small results keep their full relative
    precision. It has no per-element branch: np.where over the random signs of
    the gate pre-activations ran about ten times slower (benchmarks/bench_model.py).
    """
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One timestep of an LSTM.

    The pre-activation a = x Wx + prev_h Wh + b, of shape (N, 4H), holds the
    four gates in successive H-blocks, in the order input, forget, output,
    candidate:
        i = sigmoid(a[:, 0H:1H])   f = sigmoid(a[:, 1H:2H])
        o = sigmoid(a[:, 2H:3H])   g = tanh(a[:, 3H:4H])
        next_c = f * prev_c + i * g
        next_h = o * tanh(next_c)

    Inputs:
    - x: input data, of shape (N, D)
    - prev_h: previous hidden state, of shape (N, H)
    - prev_c: previous cell state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H)
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H)
    - next_c: next cell state, of shape (N, H)
    - cache: whatever lstm_step_backward needs
    """
    next_h, next_c, cache = None, None, None
    # 提示：一次矩阵乘法算出全部四个门的预激活 (N, 4H)，再按 H 切成 i, f, o, g 四块。
    # 门用上面的 sigmoid，候选值用 np.tanh。
    # Hint: one matrix product gives the pre-activations of all four gates,
    # (N, 4H); slice it into the i, f, o, g blocks of width H. Use the
    # sigmoid above for the gates and np.tanh for the candidate.
    # YOUR CODE HERE
    raise NotImplementedError()
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass for one timestep of an LSTM.

    Inputs:
    - dnext_h: gradient of the next hidden state, of shape (N, H)
    - dnext_c: gradient of the next cell state, of shape (N, H)
    - cache: cache from lstm_step_forward

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, D)
    - dprev_h: gradient of the previous hidden state, of shape (N, H)
    - dprev_c: gradient of the previous cell state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 4H)
    - db: gradient of the biases, of shape (4H,)
    """
    dx, dprev_h, dprev_c, dWx, dWh, db = None, None, None, None, None, None
    # 提示：next_c 有两条梯度来源：dnext_c，以及经过 next_h = o * tanh(next_c) 传来的部分。
    # sigmoid'(a) = s(1-s)，tanh'(a) = 1-t^2。四块门梯度拼回 (N, 4H)（np.hstack）后，其余都是矩阵乘法。
    # Hint: next_c receives gradient along two paths: dnext_c, and the path
    # through next_h = o * tanh(next_c). sigmoid'(a) = s(1-s), tanh'(a) = 1-t^2.
    # Stack the four gate gradients back into (N, 4H) (np.hstack); the rest
    # is matrix products, as in rnn_step_backward.
    # YOUR CODE HERE
    raise NotImplementedError()
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM over a whole sequence of T timesteps.

    The hidden state starts at h0 and the cell state at zero; the cell state
    is internal and is not returned.

    Inputs:
    - x: input data, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, 4H)
    - Wh: hidden-to-hidden weights, of shape (H, 4H)
    - b: biases, of shape (4H,)

    Returns a tuple of:
    - h: hidden states for all timesteps, of shape (N, T, H)
    - cache: whatever lstm_backward needs
    """
    h, cache = None, None
    # 提示：与 rnn_forward 相同，但还要传递细胞状态 c；c0 为零，且 dtype 与 h0 相同。
    # Hint: as rnn_forward, but also carry the cell state c. c0 is zero, with
    # the dtype of h0 (np.zeros_like helps keep a float32 model float32).
    # YOUR CODE HERE
    raise NotImplementedError()
    return h, cache


def lstm_backward(dh, cache):
    """Backward pass for an LSTM over a whole sequence.

    Inputs:
    - dh: upstream gradients of the hidden states, of shape (N, T, H);
      as in rnn_backward, only the part that comes from the loss directly

    Returns a tuple of:
    - dx: gradient of the input data, of shape (N, T, D)
    - dh0: gradient of the initial hidden state, of shape (N, H)
    - dWx: gradient of the input-to-hidden weights, of shape (D, 4H)
    - dWh: gradient of the hidden-to-hidden weights, of shape (H, 4H)
    - db: gradient of the biases, of shape (4H,)
    """
    dx, dh0, dWx, dWh, db = None, None, None, None, None
    # 提示：与 rnn_backward 相同，但 dprev_h 和 dprev_c 两个梯度都要沿时间往回传（最后一步的 dc 为零）。
    # Hint: as rnn_backward, but two gradients travel back in time, dprev_h
    # and dprev_c (dc after the last step is zero).
    # YOUR CODE HERE
    raise NotImplementedError()
    return dx, dh0, dWx, dWh, db


# ---------------------------------------------------------------------------
# Provided layers / 已提供的层
# ---------------------------------------------------------------------------

def temporal_affine_forward(x, w, b):
    """An affine layer applied at every timestep: out[:, t] = x[:, t] w + b.

    Inputs:
    - x: input data, of shape (N, T, D)
    - w: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output data, of shape (N, T, M)
    - cache: (x, w, b, out), for the backward pass
    """
    N, T, D = x.shape
    M = b.shape[0]
    # All N*T timesteps share w, so fold them into one matrix product.
    out = x.reshape(N * T, D) @ w  # (N*T, M)
    out += b                       # in place: no second (N*T, M) array
    out = out.reshape(N, T, M)
    cache = (x, w, b, out)
    return out, cache


def temporal_affine_backward(dout, cache):
    """Backward pass for the temporal affine layer.

    Inputs:
    - dout: upstream gradients, of shape (N, T, M)
    - cache: cache from temporal_affine_forward

    Returns a tuple of:
    - dx: gradient of the input, of shape (N, T, D)
    - dw: gradient of the weights, of shape (D, M)
    - db: gradient of the biases, of shape (M,)
    """
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dout_2d = dout.reshape(N * T, M)
    dx = (dout_2d @ w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T @ dout_2d
    db = dout_2d.sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x, y, mask, verbose=False):
    """A softmax loss at every timestep, summed over time and averaged over
    the minibatch.

    Captions in a minibatch have different lengths and are padded with <NULL>;
    mask[i, t] is False at those padded positions, which then add nothing to
    the loss nor to the gradient.

    Inputs:
    - x: scores, of shape (N, T, V)
    - y: ground-truth word indices, of shape (N, T), each in [0, V)
    - mask: boolean array of shape (N, T); True where the score counts
    - verbose: print the shapes of the intermediate arrays

    Returns a tuple of:
    - loss: scalar loss
    - dx: gradient of the loss with respect to the scores x, of shape (N, T, V)
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"temporal_softmax_loss: x must have shape (N, T, V), got {x.shape}")
    N, T, V = x.shape
    if np.shape(y) != (N, T) or np.shape(mask) != (N, T):
        raise ValueError(
            f"temporal_softmax_loss: y and mask must have shape (N, T) = {(N, T)} to match "
            f"x {x.shape}; got y {np.shape(y)} and mask {np.shape(mask)}")

    x_flat = x.reshape(N * T, V)
    y_flat = np.asarray(y).reshape(N * T)
    mask_flat = np.asarray(mask, dtype=bool).reshape(N * T)
    rows = np.arange(N * T)

    # Softmax with the row maximum subtracted: exp never overflows, and the
    # log is taken of the row sums (each >= 1), never of a probability that
    # may have rounded to 0. exp runs once over the (N*T, V) scores: it is
    # the costliest step here.
    shifted = x_flat - x_flat.max(axis=1, keepdims=True)    # (N*T, V)
    exp_shifted = np.exp(shifted)
    row_sums = exp_shifted.sum(axis=1)                      # (N*T,)
    log_probs_y = shifted[rows, y_flat] - np.log(row_sums)  # log p(correct word)
    loss = -log_probs_y[mask_flat].sum() / N

    probs = exp_shifted
    probs /= row_sums[:, None]
    dx_flat = probs
    dx_flat[rows, y_flat] -= 1
    dx_flat *= mask_flat[:, None] / N

    if verbose:
        print("dx_flat:", dx_flat.shape)

    dx = dx_flat.reshape(N, T, V)
    return loss, dx
