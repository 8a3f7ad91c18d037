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
# Figures are drawn at most about 9 inches (900 px) wide with text of 11 pt and
# up: the page shows them at their drawn size on a wide screen, and never
# below 70 % of it on a phone (book/_static/figures.js), where a figure wider
# than the screen scrolls sideways in its own box.
plt.rcParams.update({"font.size": 12, "axes.titlesize": 12, "axes.labelsize": 12,
                     "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 11})

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
    fig, ax = plt.subplots(figsize=(9, 4.0))
    stages = [
        ("特征\nfeatures\n(N, F)", COLORS["input"]),
        ("投影 → $h_0$\nprojection\n(N, H)", COLORS["hidden"]),
        ("RNN /\nLSTM\n(N, T, H)", COLORS["hidden"]),
        ("得分\nscores\n(N, T, V)", COLORS["output"]),
        ("损失\nloss\n(masked)", COLORS["output"]),
    ]
    for i, (text, color) in enumerate(stages):
        _box(ax, (2.4 * i, 1.7), text, color, width=1.9, height=1.35, fontsize=12)
        if i:
            _arrow(ax, (2.4 * i - 1.42, 1.7), (2.4 * i - 1.0, 1.7))
    _box(ax, (4.8, -0.1), "词嵌入 word embedding\ncaptions_in (N, T) → (N, T, D)", COLORS["input"],
         width=4.4, height=0.9, fontsize=12)
    _arrow(ax, (4.8, 0.38), (4.8, 0.98))
    ax.set_xlim(-1.2, 10.8)
    ax.set_ylim(-0.7, 2.6)
    ax.axis("off")
    ax.set_title("图像描述模型 · The captioning model", fontsize=12)
    return fig


def hidden_states(h, title):
    """A heatmap of the hidden states of one sequence, h of shape (T, H)."""
    fig, ax = plt.subplots(figsize=(8, 2.8))
    image = ax.imshow(h.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xlabel("时间步 timestep t")
    ax.set_ylabel("隐藏单元 hidden unit")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.03)
    return fig


def gradient_through_time(curves, title):
    """How large the gradient reaching x_t is, for a loss at the last step.

    curves: dict from a label to an array of T gradient norms.
    """
    fig, ax = plt.subplots(figsize=(7, 4.0))
    for label, norms in curves.items():
        ax.semilogy(np.arange(1, len(norms) + 1), norms, marker="o", label=label)
    ax.set_xlabel("时间步 timestep t")
    ax.set_ylabel(r"$\|\partial L / \partial x_t\|$")
    ax.set_title(title)
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
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def sampling_steps(words, top_words, top_probs, per_row=3):
    """Greedy sampling, one panel per step: the most likely next words and
    their probabilities; the chosen word (the argmax) is highlighted.

    words: the chosen word of each step; top_words, top_probs: per step, the
    k most likely words and their probabilities, best first.
    """
    steps = len(words)
    rows = -(-steps // per_row)  # ceiling division
    fig, axes = plt.subplots(rows, per_row, figsize=(3.0 * per_row, 2.4 * rows + 1.0), squeeze=False)
    for t, ax in enumerate(axes.flat):
        if t >= steps:
            ax.axis("off")
            continue
        k = len(top_words[t])
        colors = ["#2a6db0" if w == words[t] else "#b8c7d9" for w in top_words[t]]
        ax.barh(np.arange(k)[::-1], top_probs[t], color=colors)
        ax.set_yticks(np.arange(k)[::-1], top_words[t], fontsize=11)
        ax.set_xlim(0, 1)
        ax.set_title(f"第 {t + 1} 步 step {t + 1} → {words[t]}", fontsize=11)
        ax.tick_params(axis="x", labelsize=11)
    fig.suptitle("贪心采样：每一步取概率最高的词（深色），\n再把它作为下一步的输入\n"
                 "Greedy sampling: take the most likely word (dark),\nfeed it back in as the next input",
                 fontsize=12)
    fig.tight_layout()
    return fig


def captioned_images(images, sampled, truth, title, per_row=2):
    """Images with the model's caption (sampled) and a true caption.

    sampled: one string per image; a string of several lines ("贪心 greedy: ...\n
    束 beam 3: ...") gives each line its own wrapped paragraph. Each caption is
    written under its image, so captions of neighbouring images never meet.
    """
    blocks = []
    for caption, true in zip(sampled, truth):
        parts = caption.split("\n") if "\n" in caption else [f"生成 sampled: {caption}"]
        parts.append(f"真实 true: {true}")
        blocks.append("\n".join(textwrap.fill(part, 32, subsequent_indent="  ") for part in parts))
    rows = -(-len(images) // per_row)
    text_lines = max((block.count("\n") + 1 for block in blocks), default=1)
    # The image above, its caption below; each row as tall as its longest caption needs.
    fig = plt.figure(figsize=(4.2 * per_row, rows * (3.0 + 0.25 * text_lines) + (0.5 if title else 0)))
    grid = fig.add_gridspec(rows * 2, per_row, height_ratios=[3.0, 0.25 * text_lines] * rows)
    for i in range(rows * per_row):
        row, col = divmod(i, per_row)
        image_ax, text_ax = fig.add_subplot(grid[2 * row, col]), fig.add_subplot(grid[2 * row + 1, col])
        image_ax.axis("off")
        text_ax.axis("off")
        if i >= len(images):
            continue
        if images[i] is not None:
            image_ax.imshow(images[i])
        text_ax.text(0.0, 1.0, blocks[i], va="top", ha="left", fontsize=11, linespacing=1.3,
                     transform=text_ax.transAxes)
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig
