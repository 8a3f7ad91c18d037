"""mml.visualize: the notebooks' figures draw, with Chinese labels in a CJK font."""
import re
import warnings

import matplotlib

matplotlib.use("Agg")  # no display in tests
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.font_manager import FontProperties, findfont  # noqa: E402

from mml import visualize  # noqa: E402

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "circle", "above", "blue", "square"]


def draw_without_missing_glyphs(draw):
    """Draw and render a figure; fail on matplotlib's missing-glyph warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = draw()
        fig.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing[:3]
    return fig


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts + [ax.title, ax.xaxis.label]]


def test_use_cjk_font_selects_an_installed_cjk_font():
    visualize.use_cjk_font()
    path = findfont(FontProperties(family=["sans-serif"]), fallback_to_default=False)
    assert "CJK" in path, f"sans-serif resolves to {path}; install fonts-noto-cjk (tools/install_system_deps.sh)"


@pytest.mark.parametrize("test_time", [False, True])
def test_unrolled_rnn_has_one_column_per_timestep(test_time):
    fig = draw_without_missing_glyphs(lambda: visualize.draw_unrolled_rnn(T=5, test_time=test_time))
    labels = texts(fig)
    assert [f"$h_{t}$" for t in range(1, 6)] == [s for s in labels if re.fullmatch(r"\$h_\d\$", s)]
    assert labels.count("$W_x$") == 5 and labels.count("$W_h$") == 5
    title = fig.axes[0].get_title()
    assert ("测试时" in title and "Test-time" in title) if test_time else ("训练时" in title and "Training" in title)
    plt.close(fig)


def test_caption_mask_greys_exactly_the_null_positions():
    captions_out = np.array([[4, 5, 6, 2, 0, 0], [5, 6, 7, 4, 8, 2], [4, 2, 0, 0, 0, 0]])
    fig = draw_without_missing_glyphs(lambda: visualize.draw_caption_mask(captions_out, WORDS))
    cells = [p for p in fig.axes[0].patches]
    masked = [p for p in cells if p.get_hatch()]
    assert len(cells) == captions_out.size
    assert len(masked) == int((captions_out == 0).sum()) == 6
    assert "(12 of 18)" in fig.axes[0].get_title() and "12 / 18" in fig.axes[0].get_title()
    plt.close(fig)


def test_caption_mask_rejects_a_one_dimensional_caption():
    with pytest.raises(ValueError, match=r"captions_out must have shape \(N, T\)"):
        visualize.draw_caption_mask(np.array([4, 5, 2, 0]), WORDS)


def test_lstm_gates_show_four_blocks_of_width_h():
    fig = draw_without_missing_glyphs(lambda: visualize.draw_lstm_gates(H=3))
    assert len(fig.axes[0].patches) == 4 * 3
    assert [s for s in texts(fig) if s.startswith("a[:")] == [f"a[:, {k}H:{k + 1}H]" for k in range(4)]
    plt.close(fig)
