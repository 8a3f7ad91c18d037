"""Showing the images behind captions.

加载图像：支持 http(s) 地址和本地路径；失败时返回 None 并打印一行警告。
"""
import io
import os
import urllib.parse
import urllib.request
import warnings

import numpy as np
from PIL import Image

__all__ = ["image_from_url"]

TIMEOUT_SECONDS = 10


def image_from_url(url):
    """Read an image from an http(s) URL, a file:// URL or a local path.

    Returns:
    - an RGB uint8 array of shape (H, W, 3), or None if the image cannot be
      read (timeout, missing file, HTTP error, not an image); a one-line
      warning then says why.
    """
    try:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme in ("http", "https"):
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
                raw = response.read()
        else:
            path = urllib.request.url2pathname(parsed.path) if parsed.scheme == "file" else url
            with open(os.path.expanduser(path), "rb") as f:
                raw = f.read()
        with Image.open(io.BytesIO(raw)) as image:
            return np.asarray(image.convert("RGB"))
    except Exception as err:  # noqa: BLE001 - any failure means "no image to show"
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        warnings.warn(f"image_from_url: cannot read {url}: {reason} / 无法读取图像", stacklevel=2)
        return None
