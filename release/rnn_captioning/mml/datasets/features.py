"""The fixed feature extractor that plays the part of the CNN.

The classic assignment describes each COCO image by the 4096-d fc7 layer of a
VGG-16 network, and by a 512-d PCA of it. For the embedded shape scenes this
module computes features of the same sizes from the pixels, with nothing
learned except the PCA:

1. colour units: the image (96x96, averaged to 48x48) in an opponent colour
   plane a = R - (G+B)/2, b = sqrt(3)/2 (G-B); six hue units tuned to 0, 60,
   ..., 300 degrees respond chroma * cos^2(hue - preferred hue) (red, yellow,
   green, cyan, blue, magenta; orange and purple fall between two units);
2. edge units: for every colour unit, the gradient magnitude of its map split
   over six edge orientations (0, 30, ..., 150 degrees), so a unit answers
   "a red edge at 60 degrees here" (triangles, diamonds and squares differ in
   their edge orientations, circles and stars spread over all of them);
3. pooling: the 6 + 36 = 42 maps averaged over a 6x6 grid of 8x8 cells and
   square-rooted: 1512 numbers that still say what is where;
4. "fc7": ReLU of a fixed random +-1 projection of those 1512 numbers to 4096
   (a one-layer random-feature network, seeded);
5. "fc7_pca": the 4096-d features centred and projected on the top 512
   principal components of the train split only (val is projected with the
   train mean and components), scaled so the average squared value is 1.

Every step uses exact arithmetic constants (no np.cos / np.exp of runtime
values) and the results are rounded to multiples of QUANTUM, so small
last-bit differences between BLAS builds do not change the stored bytes.

固定的特征提取器，代替原作业中的 VGG-16 卷积神经网络：颜色单元、各方向的边缘单元、
6x6 空间池化、随机投影到 4096 维（ReLU），再用训练集拟合的 PCA 降到 512 维。
"""
import numpy as np

FC7_DIM = 4096
PCA_DIM = 512
GRID = 6                       # pooling cells per side
PROJECTION_SEED = 4096
GAIN = 32.0                    # puts fc7 values near 1, the scale of VGG's fc7
QUANTUM = 2.0 ** -10           # stored features are multiples of this
SUBSPACE_ITERATIONS, OVERSAMPLE = 3, 64   # PCA: accuracy of the top-512 subspace
CHUNK = 200                    # images per step, bounds the memory to ~0.5 GB

_S = np.sqrt(3.0) / 2         # sqrt is correctly rounded: the same on every machine
# (cos, sin) of 0, 60, ..., 300 degrees: the hue units' preferred hues, and
# (as doubled angles) the edge units' orientations 0, 30, ..., 150 degrees.
_DIRECTIONS = np.array([(1.0, 0.0), (0.5, _S), (-0.5, _S), (-1.0, 0.0), (-0.5, -_S), (0.5, -_S)],
                       dtype=np.float32)
_EPS = np.float32(1e-6)


def _pool(maps):
    """Average (N, C, 48, 48) maps over a GRID x GRID grid: (N, C, GRID, GRID)."""
    N, C, H, W = maps.shape
    return maps.reshape(N, C, GRID, H // GRID, GRID, W // GRID).mean(axis=(3, 5))


def pooled_features(images):
    """Colour and edge maps of images, pooled over a GRID x GRID grid.

    Inputs:
    - images: uint8 array of shape (N, 96, 96, 3)

    Returns:
    - float32 array of shape (N, 42 * GRID * GRID): square roots of the
      pooled maps, ordered (7, 6, GRID, GRID): the 6 colour maps, then for
      each of the 6 edge orientations the edge maps of the 6 colours
    """
    x = images.astype(np.float32) / np.float32(255.0)
    x = (x[:, ::2, ::2] + x[:, 1::2, ::2] + x[:, ::2, 1::2] + x[:, 1::2, 1::2]) / 4   # (N, 48, 48, 3)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    a_opp, b_opp = r - (g + b) / 2, np.float32(_S) * (g - b)                         # (N, 48, 48)
    chroma = np.sqrt(a_opp ** 2 + b_opp ** 2 + _EPS)
    # Channel-first (N, 6, 48, 48) so every loop below works on contiguous planes.
    colour = np.stack([np.maximum(a_opp * c + b_opp * s, 0) ** 2 / chroma for c, s in _DIRECTIONS], axis=1)

    gy, gx = np.gradient(colour, axis=(2, 3))                                        # (N, 6, 48, 48)
    m2 = gx ** 2 + gy ** 2 + _EPS
    magnitude = np.sqrt(m2)
    cos2, sin2 = (gx ** 2 - gy ** 2) / m2, 2 * gx * gy / m2                          # doubled edge angle
    pooled = [_pool(colour)]                                                         # (N, 6, G, G)
    for c, s in _DIRECTIONS:                                                         # edge orientations
        pooled.append(_pool(magnitude * np.maximum(cos2 * c + sin2 * s, 0) ** 2))
    pooled = np.stack(pooled, axis=1)                                                # (N, 7, 6, G, G)
    return np.sqrt(pooled.reshape(len(images), -1))


def _projection(in_dim):
    """The fixed random projection matrix of shape (in_dim, FC7_DIM): random
    signs times GAIN / sqrt(in_dim) (integers from the generator, so exact)."""
    rng = np.random.default_rng(PROJECTION_SEED)
    signs = rng.integers(0, 2, size=(in_dim, FC7_DIM), dtype=np.int8) * 2 - 1
    return signs.astype(np.float32) * np.float32(GAIN / np.sqrt(in_dim))


def quantise(x):
    """Round to multiples of QUANTUM and store as float32 (exactly)."""
    return (np.round(x / QUANTUM) * QUANTUM).astype(np.float32)


def fc7_features(images):
    """The 4096-d "fc7" features of images.

    Inputs:
    - images: uint8 array of shape (N, 96, 96, 3)

    Returns:
    - float32 array of shape (N, 4096), non-negative
    """
    projection = None
    out = np.empty((len(images), FC7_DIM), dtype=np.float32)
    for start in range(0, len(images), CHUNK):
        pooled = pooled_features(images[start:start + CHUNK])
        if projection is None:
            projection = _projection(pooled.shape[1])
        out[start:start + CHUNK] = quantise(np.maximum(pooled @ projection, 0))     # (CHUNK, 4096)
    return out


def _orthonormal(y):
    """Orthonormal columns spanning y's (Cholesky QR: much faster than
    np.linalg.qr for a tall matrix; applied twice it is as accurate)."""
    lower = np.linalg.cholesky(y.T @ y)
    return np.linalg.solve(lower, y.T).T


class PCA:
    """Principal components of the train features, applied to any split.

    fit() keeps the mean, the top PCA_DIM eigenvectors of the covariance
    (each with its largest entry made positive, so the sign is fixed) and one
    scale that makes the average squared projected value 1.
    """

    def __init__(self, mean, components, scale):
        self.mean, self.components, self.scale = mean, components, scale

    @classmethod
    def fit(cls, features, dim=PCA_DIM):
        """Fit on features of shape (N, D); returns a PCA."""
        mean = features.astype(np.float64).mean(axis=0)
        centred = (features - mean).astype(np.float32)                     # (N, D)
        # float32 products: the covariance is the slowest step of the build.
        covariance = (centred.T @ centred).astype(np.float64) / len(features)   # (D, D)
        # Subspace iteration (a full eigh of 4096 x 4096 takes ~10x longer):
        # repeated products with the covariance turn a fixed random start
        # into the top eigenvectors; a small eigh then sorts them.
        # A small ridge leaves the eigenvectors as they are but keeps the
        # iterated basis well conditioned (Cholesky QR needs that) even when
        # there are fewer images than dim + OVERSAMPLE.
        ridge = 1e-3 * np.trace(covariance) / len(covariance)
        covariance[np.diag_indices_from(covariance)] += ridge
        rng = np.random.default_rng(PROJECTION_SEED + 1)
        basis = rng.integers(0, 2, size=(len(covariance), dim + OVERSAMPLE)).astype(np.float64) * 2 - 1
        for _ in range(SUBSPACE_ITERATIONS):
            basis = _orthonormal(_orthonormal(covariance @ basis))        # (D, dim + OVERSAMPLE)
        eigenvalues, rotation = np.linalg.eigh(basis.T @ covariance @ basis)
        top = np.argsort(eigenvalues)[::-1][:dim]
        components = basis @ rotation[:, top]                              # (D, dim)
        largest = np.abs(components).argmax(axis=0)
        components *= np.sign(components[largest, np.arange(dim)])
        scale = 1.0 / np.sqrt(eigenvalues[top].mean() - ridge)
        return cls(mean, components, scale)

    def transform(self, features):
        """Project features of shape (N, D) to float32 of shape (N, dim)."""
        return quantise((features.astype(np.float64) - self.mean) @ self.components * self.scale)
