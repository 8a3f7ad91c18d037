"""image_from_url on local files and a real local HTTP server; the numerical
gradient helpers' in-place contract."""
import numpy as np
import pytest
from PIL import Image

from mml.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from mml.image_utils import image_from_url


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (5, 4), (255, 0, 0)).save(path)
    (tmp_path / "not_an_image.png").write_text("hello")
    return path


@pytest.fixture
def server(png, serve_directory):
    with serve_directory(png.parent) as url:
        yield url


def test_reads_local_path_and_file_url(png):
    for url in (str(png), png.as_uri()):
        image = image_from_url(url)
        assert image.shape == (4, 5, 3) and image.dtype == np.uint8
        assert tuple(image[0, 0]) == (255, 0, 0)


def test_reads_http_and_returns_none_with_a_warning_on_failure(png, server):
    image = image_from_url(f"{server}/red.png")
    assert image.shape == (4, 5, 3)
    for url, reason in ((f"{server}/missing.png", "404"),
                        (f"{server}/not_an_image.png", "cannot identify image"),
                        (str(png.parent / "missing.png"), "No such file")):
        with pytest.warns(UserWarning, match=reason) as record:
            assert image_from_url(url) is None
        assert "\n" not in str(record[0].message)


def test_numerical_gradients_perturb_in_place_and_restore():
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    original = x.copy()
    # The lambda ignores its argument: it reads x through the closure, as the
    # notebooks' checks do.
    grad = eval_numerical_gradient(lambda _: np.sum(x ** 3), x, verbose=False)
    np.testing.assert_allclose(grad, 3 * original ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, original)
    df = np.array([[1.0, 0.5], [-2.0, 0.0]])
    grad = eval_numerical_gradient_array(lambda _: np.sin(x), x, df)
    np.testing.assert_allclose(grad, np.cos(original) * df, rtol=1e-8)
    np.testing.assert_array_equal(x, original)
