"""Figures for the captioning notebooks, drawn by code (no pasted images).

- use_cjk_font(): let matplotlib draw Chinese labels (Noto Sans CJK)
- draw_unrolled_rnn(T, test_time): the RNN unrolled over T timesteps, at
  training time (the true previous word goes in) or at test time (the word just
  chosen goes back in)
- draw_caption_mask(captions_out, idx_to_word, null_idx): which positions of a
  padded minibatch the <NULL> mask keeps and which it removes
- draw_lstm_gates(H): how the (N, 4H) pre-activation splits into the gates
- draw_lstm_cell(): one LSTM step: the gates and the cell state's additive path

Symbols are those of the code: Wx, Wh, b, W_proj, W_embed, W_vocab.

绘图工具：展开的 RNN（训练时 / 测试时）、<NULL> 掩码覆盖的位置、LSTM 四个门的切分。
所有图都由代码生成，标签中英双语。
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

__all__ = ["use_cjk_font", "draw_unrolled_rnn", "draw_caption_mask", "draw_lstm_gates", "draw_lstm_cell"]

# Noto Sans CJK is installed with fonts-noto-cjk; DejaVu Sans stays as the
# fallback for Latin text and math when no CJK font is present.
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "DejaVu Sans"]

KEPT_COLOR = "#cfe8cf"     # a position the loss counts
MASKED_COLOR = "#d9d9d9"   # a <NULL> position the mask removes
BOX_COLOR = "#dbe8f6"


def use_cjk_font():
    """Make matplotlib draw Chinese characters (labels, titles) with a CJK font.

    Also keeps the minus sign in ASCII, which CJK fonts may lack.
    """
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = CJK_FONTS + [
        f for f in plt.rcParams["font.sans-serif"] if f not in CJK_FONTS]
    plt.rcParams["axes.unicode_minus"] = False


def _box(ax, x, y, text, width=1.3, height=0.6, color=BOX_COLOR):
    """A labelled rectangle centred at (x, y)."""
    ax.add_patch(Rectangle((x - width / 2, y - height / 2), width, height,
                           facecolor=color, edgecolor="black", linewidth=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=12)


def _arrow(ax, start, end, label=None, style="-|>", curve=0.0, color="black"):
    """An arrow from start to end, with an optional label beside its middle
    (right of a vertical arrow, above a horizontal one)."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12,
                                 connectionstyle=f"arc3,rad={curve}", color=color,
                                 linewidth=1))
    if label:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        if start[1] == end[1]:
            ax.text(mx, my + 0.1, label, fontsize=11, color=color, ha="center", va="bottom")
        else:
            ax.text(mx + 0.08, my, label, fontsize=11, color=color, ha="left", va="center")


def draw_unrolled_rnn(T=4, test_time=False, ax=None):
    """Draw a captioning RNN unrolled over T timesteps.

    Every column is one call of rnn_step_forward with the same Wx, Wh, b:
        h_t = tanh(x_t Wx + h_{t-1} Wh + b)
    At training time the input word of step t is the true word t of the caption
    (captions_in); at test time it is the word chosen at step t-1, fed back in.

    Inputs:
    - T: number of timesteps to draw
    - test_time: draw the sampling loop instead of the training setup
    - ax: matplotlib axes to draw on; a new figure if None

    Returns:
    - the matplotlib Figure
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 * (T + 1) + 0.4, 5.0))
    use_cjk_font()
    y_word, y_x, y_h, y_s, y_out = 0.0, 1.1, 2.3, 3.5, 4.5
    _box(ax, 0, y_h, "特征\nfeatures\n→ $h_0$", width=1.4, height=1.0, color="#f6e7c8")
    ax.text(0, y_h - 0.8, "$h_0 =$ features $W_{proj}$\n$+\\, b_{proj}$", ha="center", va="top", fontsize=11)
    for t in range(1, T + 1):
        x = 1.8 * t
        if test_time:
            word = "<START>" if t == 1 else f"$\\hat w_{{{t - 1}}}$"
        else:
            word = "<START>" if t == 1 else f"$w_{{{t - 1}}}$"
        ax.text(x, y_word, word, ha="center", va="center", fontsize=12)
        _box(ax, x, y_x, f"$x_{t}$", width=1.1, color="#e9ddf3")
        _arrow(ax, (x, y_word + 0.2), (x, y_x - 0.3), "$W_{embed}$" if t == 1 else None)
        _box(ax, x, y_h, f"$h_{t}$", width=1.1)
        _arrow(ax, (x, y_x + 0.3), (x, y_h - 0.3), "$W_x$")
        _arrow(ax, (x - 1.8 + (0.7 if t == 1 else 0.55), y_h), (x - 0.55, y_h), "$W_h$")
        _box(ax, x, y_s, "得分\nscores", width=1.1, height=0.7, color="#f3dada")
        _arrow(ax, (x, y_h + 0.3), (x, y_s - 0.3), "$W_{vocab}$")
        out = f"$\\hat w_{t}$ = argmax" if test_time else f"目标 target\n$w_{t}$"
        ax.text(x, y_out, out, ha="center", va="center", fontsize=11)
        if test_time and t < T:
            # the word chosen at step t becomes the input of step t+1; the
            # arrow runs down the gap between two columns
            _arrow(ax, (x + 0.6, y_out - 0.1), (x + 1.3, y_word),
                   curve=0.1, color="#b03a2e")
    if test_time:
        title = ("测试时采样：每一步选出的词作为下一步的输入\n"
                 "Test-time sampling: the word chosen\nat each step is the next step's input")
    else:
        title = ("训练时：读入真实的前一个词，预测下一个词\n"
                 "Training: read the true previous word, predict the next\n"
                 "（每一步同一组 Wx, Wh, b · the same Wx, Wh, b every step）")
    ax.set_title(title, fontsize=12)
    ax.set_xlim(-0.9, 1.8 * T + 0.8)
    ax.set_ylim(-0.5, 5.0)
    ax.axis("off")
    ax.figure.tight_layout()
    return ax.figure


def draw_caption_mask(captions_out, idx_to_word, null_idx=0, ax=None):
    """Show which positions of padded target captions the loss counts.

    mask = (captions_out != null_idx): green cells count in the loss, grey
    <NULL> cells are removed from the loss and from the gradient.

    Inputs:
    - captions_out: integer target words, of shape (N, T)
    - idx_to_word: list (or dict) from index to word
    - null_idx: index of <NULL>
    - ax: matplotlib axes to draw on; a new figure if None

    Returns:
    - the matplotlib Figure
    """
    captions_out = np.asarray(captions_out)
    if captions_out.ndim != 2:
        raise ValueError(f"draw_caption_mask: captions_out must have shape (N, T), got {captions_out.shape}")
    N, T = captions_out.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(1.5 * N + 1.2, 0.38 * T + 1.8))
    use_cjk_font()
    mask = captions_out != null_idx
    # One column per caption, one row per timestep: the words read downwards,
    # so the figure stays narrow enough for a phone.
    for i in range(N):
        for t in range(T):
            color = KEPT_COLOR if mask[i, t] else MASKED_COLOR
            ax.add_patch(Rectangle((i, T - 1 - t), 1, 1, facecolor=color, edgecolor="white",
                                   hatch=None if mask[i, t] else "//"))
            ax.text(i + 0.5, T - 0.5 - t, idx_to_word[int(captions_out[i, t])],
                    ha="center", va="center", fontsize=11)
    ax.set_xlim(0, N)
    ax.set_ylim(0, T)
    ax.set_xticks(np.arange(N) + 0.5, [f"n={i}" for i in range(N)], fontsize=11)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(T) + 0.5, [str(t) for t in reversed(range(T))], fontsize=11)
    ax.set_ylabel("时间步 t / timestep t", fontsize=11)
    kept = int(mask.sum())
    ax.set_title(f"掩码：绿色计入损失，灰色 <NULL> 不计入\n（{kept} / {mask.size}）\n"
                 f"mask: green counts in the loss,\ngrey <NULL> does not ({kept} of {mask.size})",
                 fontsize=12)
    ax.figure.tight_layout()
    return ax.figure


def draw_lstm_gates(H=4, ax=None):
    """Show how the LSTM pre-activation a = x Wx + prev_h Wh + b, of shape
    (N, 4H), splits into four blocks of width H: i, f, o (sigmoid) and g (tanh).

    Inputs:
    - H: hidden size to draw
    - ax: matplotlib axes to draw on; a new figure if None

    Returns:
    - the matplotlib Figure
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 2.8))
    use_cjk_font()
    blocks = [("i 输入门 input", "sigmoid", "#cfe2f3"), ("f 遗忘门 forget", "sigmoid", "#d9ead3"),
              ("o 输出门 output", "sigmoid", "#fce5cd"), ("g 候选值 candidate", "tanh", "#ead1dc")]
    for k, (name, act, color) in enumerate(blocks):
        for j in range(H):
            ax.add_patch(Rectangle((k * H + j, 0), 1, 1, facecolor=color, edgecolor="white"))
        ax.text(k * H + H / 2, 0.5, f"{name}\n{act}", ha="center", va="center", fontsize=11)
        ax.text(k * H + H / 2, -0.35, f"a[:, {k}H:{k + 1}H]", ha="center", va="center", fontsize=11)
    ax.set_xlim(0, 4 * H)
    ax.set_ylim(-0.7, 1.4)
    ax.set_title("预激活 a 的形状为 (N, 4H)，按宽度 H 切成四个门\n"
                 "The pre-activation a, of shape (N, 4H), splits into four gates of width H",
                 fontsize=12)
    ax.axis("off")
    ax.figure.tight_layout()
    return ax.figure


def draw_lstm_cell(ax=None):
    """Draw one LSTM step: the four gates computed from h_{t-1} and x_t, and
    the cell state c running along the top, changed only by a product with
    the forget gate and a sum:
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
    The top line is the additive path along which the gradient flows back
    (dc_{t-1} = dc_t * f, no weight matrix, no squashing).

    Inputs:
    - ax: matplotlib axes to draw on; a new figure if None

    Returns:
    - the matplotlib Figure
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.2, 4.6))
    use_cjk_font()
    path_color = "#c0392b"
    y_c, y_mix, y_gate, y_in = 4.0, 2.9, 1.7, 0.35

    def op(x, y, symbol):
        ax.add_patch(plt.Circle((x, y), 0.26, facecolor="white", edgecolor="black", linewidth=1.2, zorder=3))
        ax.text(x, y, symbol, ha="center", va="center", fontsize=14, zorder=4)

    def gate(x, name, act, color):
        ax.add_patch(Rectangle((x - 0.5, y_gate - 0.35), 1.0, 0.7, facecolor=color, edgecolor="black", zorder=2))
        ax.text(x, y_gate, f"{name}\n{act}", ha="center", va="center", fontsize=11, zorder=3)
        ax.add_patch(FancyArrowPatch((x, y_in + 0.3), (x, y_gate - 0.35), arrowstyle="-|>",
                                     mutation_scale=12, color="black"))

    # The cell state: the additive path along the top.
    ax.add_patch(FancyArrowPatch((0.2, y_c), (8.9, y_c), arrowstyle="-|>", mutation_scale=16,
                                 color=path_color, linewidth=2.5, zorder=1))
    ax.text(0.2, y_c + 0.3, "$c_{t-1}$", fontsize=13, color=path_color, ha="left")
    ax.text(8.9, y_c + 0.3, "$c_t$", fontsize=13, color=path_color, ha="right")
    ax.text(4.6, y_c + 0.55, "细胞状态：只有乘 f 和加法 · cell state: only × f and +",
            fontsize=11, color=path_color, ha="center")
    op(2.0, y_c, "×")
    op(4.6, y_c, "+")
    # The gates, from [h_{t-1}, x_t].
    gate(2.0, "f", "σ", "#d9ead3")
    gate(3.6, "i", "σ", "#cfe2f3")
    gate(5.0, "g", "tanh", "#ead1dc")
    gate(6.8, "o", "σ", "#fce5cd")
    ax.add_patch(FancyArrowPatch((2.0, y_gate + 0.35), (2.0, y_c - 0.26), arrowstyle="-|>", mutation_scale=12))
    op(4.3, y_mix, "×")
    ax.add_patch(FancyArrowPatch((3.6, y_gate + 0.35), (4.1, y_mix - 0.18), arrowstyle="-|>", mutation_scale=12))
    ax.add_patch(FancyArrowPatch((5.0, y_gate + 0.35), (4.5, y_mix - 0.18), arrowstyle="-|>", mutation_scale=12))
    ax.add_patch(FancyArrowPatch((4.35, y_mix + 0.26), (4.55, y_c - 0.26), arrowstyle="-|>", mutation_scale=12))
    # The output: h_t = o * tanh(c_t).
    ax.add_patch(Rectangle((7.55, y_mix - 0.25), 0.9, 0.5, facecolor="#f3f3f3", edgecolor="black", zorder=2))
    ax.text(8.0, y_mix, "tanh", ha="center", va="center", fontsize=11, zorder=3)
    ax.add_patch(FancyArrowPatch((8.0, y_c), (8.0, y_mix + 0.25), arrowstyle="-|>", mutation_scale=12))
    op(8.0, y_gate, "×")
    ax.add_patch(FancyArrowPatch((8.0, y_mix - 0.25), (8.0, y_gate + 0.26), arrowstyle="-|>", mutation_scale=12))
    ax.add_patch(FancyArrowPatch((7.3, y_gate), (7.74, y_gate), arrowstyle="-|>", mutation_scale=12))
    ax.add_patch(FancyArrowPatch((8.26, y_gate), (9.0, y_gate), arrowstyle="-|>", mutation_scale=12))
    ax.text(9.05, y_gate, "$h_t$", fontsize=13, va="center", ha="left")
    # The input of every gate.
    ax.plot([1.2, 7.2], [y_in + 0.3, y_in + 0.3], color="black", linewidth=1)
    ax.text(4.4, y_in - 0.1, "输入 input: $h_{t-1}$, $x_t$  →  $a = x_t W_x + h_{t-1} W_h + b$",
            ha="center", va="center", fontsize=11)
    ax.set_xlim(0, 9.6)
    ax.set_ylim(-0.2, 4.9)
    ax.set_title("LSTM 的一步 · One LSTM step", fontsize=12)
    ax.axis("off")
    ax.figure.tight_layout()
    return ax.figure
