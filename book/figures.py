"""Figures of the course book, drawn with matplotlib when the book is built.

Each function draws one kind of figure and returns its matplotlib Figure; the
chapters (book/*.md) call them with data computed by the reference mml.
Labels are bilingual, Chinese first, so every figure reads in both languages.
The figures the notebooks share with the book (the unrolled RNN, the caption
mask, the LSTM gates) live in mml.visualize; this file has the book's own.

课程书的插图：构建时由 matplotlib 绘制，标签中英双语。
"""
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from mml.visualize import use_cjk_font

use_cjk_font()  # Chinese labels; fonts-noto-cjk is installed with the course

COLORS = {"input": "#dbe9f6", "hidden": "#fde2c4", "output": "#d9f0d3", "edge": "#444444"}


def _box(ax, xy, text, color, width=1.2, height=0.7, fontsize=11):
    """A rounded box centred at xy, with text in it."""
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", facecolor=color, edgecolor=COLORS["edge"]))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, label=None, offset=(0.0, 0.0)):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color=COLORS["edge"]))
    if label:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], label,
                ha="center", va="center", fontsize=10, color="#1f4e79")


def captioning_model():
    """The captioning model as a pipeline of layers, with the array shapes."""
    fig, ax = plt.subplots(figsize=(11, 3.2))
    stages = [
        ("特征 features\n(N, D)", COLORS["input"]),
        ("$h_0$ = 投影 projection\n(N, H)", COLORS["hidden"]),
        ("RNN / LSTM\n(N, T, H)", COLORS["hidden"]),
        ("得分 scores\n(N, T, V)", COLORS["output"]),
        ("损失 loss\n(masked softmax)", COLORS["output"]),
    ]
    for i, (text, color) in enumerate(stages):
        _box(ax, (2.4 * i, 1.6), text, color, width=1.9, height=0.95, fontsize=10)
        if i:
            _arrow(ax, (2.4 * i - 1.45, 1.6), (2.4 * i - 0.95, 1.6))
    _box(ax, (4.8, 0), "词嵌入 word embedding\ncaptions_in (N, T) → (N, T, W)", COLORS["input"],
         width=3.0, height=0.8, fontsize=10)
    _arrow(ax, (4.8, 0.4), (4.8, 1.12))
    ax.set_xlim(-1.2, 10.8)
    ax.set_ylim(-0.6, 2.4)
    ax.axis("off")
    ax.set_title("图像描述模型 · The captioning model", fontsize=11)
    return fig


def hidden_states(h, title):
    """A heatmap of the hidden states of one sequence, h of shape (T, H)."""
    fig, ax = plt.subplots(figsize=(8, 2.8))
    image = ax.imshow(h.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xlabel("时间步 timestep t")
    ax.set_ylabel("隐藏单元 hidden unit")
    ax.set_title(title, fontsize=11)
    fig.colorbar(image, ax=ax, fraction=0.03)
    return fig


def gradient_through_time(curves, title):
    """How large the gradient reaching x_t is, for a loss at the last step.

    curves: dict from a label to an array of T gradient norms.
    """
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for label, norms in curves.items():
        ax.semilogy(np.arange(1, len(norms) + 1), norms, marker="o", label=label)
    ax.set_xlabel("时间步 timestep t")
    ax.set_ylabel(r"$\|\partial L / \partial x_t\|$")
    ax.set_title(title, fontsize=11)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def loss_curves(histories, title):
    """Training loss per iteration; histories maps a label to a list of losses."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for label, losses in histories.items():
        ax.plot(losses, label=label)
    ax.set_xlabel("迭代 iteration")
    ax.set_ylabel("训练损失 training loss")
    ax.set_title(title, fontsize=11)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def sampling_steps(words, top_words, top_probs, per_row=4):
    """Greedy sampling, one panel per step: the most likely next words and
    their probabilities; the chosen word (the argmax) is highlighted.

    words: the chosen word of each step; top_words, top_probs: per step, the
    k most likely words and their probabilities, best first.
    """
    steps = len(words)
    rows = -(-steps // per_row)  # ceiling division
    fig, axes = plt.subplots(rows, per_row, figsize=(3.0 * per_row, 2.2 * rows + 0.6), squeeze=False)
    for t, ax in enumerate(axes.flat):
        if t >= steps:
            ax.axis("off")
            continue
        k = len(top_words[t])
        colors = ["#2a6db0" if w == words[t] else "#b8c7d9" for w in top_words[t]]
        ax.barh(np.arange(k)[::-1], top_probs[t], color=colors)
        ax.set_yticks(np.arange(k)[::-1], top_words[t], fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_title(f"第 {t + 1} 步 · step {t + 1}  →  {words[t]}", fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("贪心采样：每一步取概率最高的词（深色），再把它作为下一步的输入\n"
                 "Greedy sampling: take the most likely word (dark), feed it back in as the next input",
                 fontsize=11)
    fig.tight_layout()
    return fig


def captioned_images(images, sampled, truth, title, per_row=4):
    """Images with the model's caption (sampled) and a true caption."""
    rows = -(-len(images) // per_row)
    fig, axes = plt.subplots(rows, per_row, figsize=(3.6 * per_row, 4.2 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        if images[i] is not None:
            ax.imshow(images[i])
        text = (textwrap.fill(f"生成 sampled: {sampled[i]}", 34) + "\n"
                + textwrap.fill(f"真实 true: {truth[i]}", 34))
        ax.set_title(text, fontsize=9, loc="left")
    fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.93))  # leave the top for the suptitle above multi-line titles
    return fig
