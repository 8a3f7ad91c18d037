"""CaptioningRNN: image features in, a caption out.

The image feature vector, projected to the hidden size, becomes the RNN's
initial hidden state h0. The caption is read one word at a time through a word
embedding; at every timestep a temporal affine layer turns the hidden state
into scores over the vocabulary.

    features (N, D) --W_proj,b_proj--> h0 (N, H)
    captions_in (N, T) --W_embed--> x (N, T, W) --RNN/LSTM(h0)--> h (N, T, H)
    h --W_vocab,b_vocab--> scores (N, T, V) --masked softmax--> loss

图像特征经过投影成为 RNN 的初始隐藏状态 h0；描述文本逐词经过词嵌入输入 RNN；
每个时间步的隐藏状态经过时序仿射层变成词汇表上的得分。
"""
import numpy as np

from mml.rnn_layers import (
    lstm_backward, lstm_forward, lstm_step_forward,
    rnn_backward, rnn_forward, rnn_step_forward,
    temporal_affine_backward, temporal_affine_forward, temporal_softmax_loss,
    word_embedding_backward, word_embedding_forward,
)

__all__ = ["CaptioningRNN"]


class CaptioningRNN:
    """An image-captioning model with a vanilla RNN or an LSTM.

    It has no regularisation. Words are indices in [0, V); the vocabulary must
    hold <NULL> (padding), and <START> and <END> for sampling.

    Parameters (in self.params), with W the word-vector size:
    - W_proj (D, H), b_proj (H,): image features -> initial hidden state
    - W_embed (V, W): word embeddings
    - Wx (W, H) or (W, 4H), Wh (H, H) or (H, 4H), b (H,) or (4H,): the cell
    - W_vocab (H, V), b_vocab (V,): hidden state -> vocabulary scores
    """

    def __init__(self, word_to_idx, input_dim=512, wordvec_dim=128,
                 hidden_dim=128, cell_type="rnn", dtype=np.float32):
        """
        Inputs:
        - word_to_idx: dict from word to its index in [0, V)
        - input_dim: dimension D of the image feature vectors
        - wordvec_dim: dimension W of the word vectors
        - hidden_dim: dimension H of the hidden state
        - cell_type: 'rnn' or 'lstm'
        - dtype: numpy float type of every parameter and computation;
          float32 for training, float64 for gradient checks
        """
        if cell_type not in {"rnn", "lstm"}:
            raise ValueError(f"cell_type must be 'rnn' or 'lstm', got {cell_type!r}")
        if "<NULL>" not in word_to_idx:
            raise ValueError("word_to_idx must contain '<NULL>' (the padding word)")
        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.params = {}

        # V is len(word_to_idx), as in the classic course: its small checks use
        # {'<NULL>': 0, 'cat': 2, 'dog': 3} with V = 3 and captions in [0, 3).
        vocab_size = len(word_to_idx)
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>")
        self._end = word_to_idx.get("<END>")
        self.input_dim = input_dim
        self.vocab_size = vocab_size

        gates = {"rnn": 1, "lstm": 4}[cell_type]
        # Scaled initialisation (1/sqrt(fan_in)) keeps activations O(1).
        self.params["W_embed"] = np.random.randn(vocab_size, wordvec_dim) / 100
        self.params["W_proj"] = np.random.randn(input_dim, hidden_dim) / np.sqrt(input_dim)
        self.params["b_proj"] = np.zeros(hidden_dim)
        self.params["Wx"] = np.random.randn(wordvec_dim, gates * hidden_dim) / np.sqrt(wordvec_dim)
        self.params["Wh"] = np.random.randn(hidden_dim, gates * hidden_dim) / np.sqrt(hidden_dim)
        self.params["b"] = np.zeros(gates * hidden_dim)
        self.params["W_vocab"] = np.random.randn(hidden_dim, vocab_size) / np.sqrt(hidden_dim)
        self.params["b_vocab"] = np.zeros(vocab_size)
        for k, v in self.params.items():
            self.params[k] = v.astype(self.dtype)

    # -- checks at the public boundary (provided code) ---------------------

    def _check_features(self, features):
        features = np.asarray(features)
        if features.ndim != 2 or features.shape[1] != self.input_dim:
            raise ValueError(
                f"features must have shape (N, input_dim={self.input_dim}), got {features.shape}; "
                f"build the model with input_dim=features.shape[1]")
        return features.astype(self.dtype, copy=False)

    def _check_captions(self, captions, n_features):
        captions = np.asarray(captions)
        if captions.ndim != 2 or captions.shape[0] != n_features or captions.shape[1] < 2:
            raise ValueError(
                f"captions must have shape (N={n_features}, T+1) with T+1 >= 2, got {captions.shape}")
        if not np.issubdtype(captions.dtype, np.integer):
            raise ValueError(f"captions must hold integer word indices, got dtype {captions.dtype}")
        if captions.size and (captions.min() < 0 or captions.max() >= self.vocab_size):
            raise ValueError(
                f"captions hold word indices in [{captions.min()}, {captions.max()}] but the "
                f"vocabulary has V={self.vocab_size} words; use the word_to_idx the captions were encoded with")
        return captions

    # -- training ----------------------------------------------------------

    def loss(self, features, captions):
        """Training loss and gradients.

        The caption is fed in shifted by one: the model reads
        captions_in = captions[:, :-1] and must predict
        captions_out = captions[:, 1:], word by word; positions where
        captions_out is <NULL> are masked out of the loss.

        Inputs:
        - features: image features, of shape (N, D)
        - captions: ground-truth captions, integers of shape (N, T+1)

        Returns a tuple of:
        - loss: scalar loss
        - grads: dict with the same keys as self.params, each gradient of the
          shape and dtype of its parameter
        """
        features = self._check_features(features)
        captions = self._check_captions(captions, features.shape[0])

        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        loss, grads = 0.0, {}
        # 提示：前向传播共五步——(1) 特征投影得到 h0；(2) 词嵌入 captions_in；
        # (3) rnn_forward 或 lstm_forward（看 self.cell_type）；(4) temporal_affine_forward 得到得分；
        # (5) temporal_softmax_loss(scores, captions_out, mask)。反向传播按相反顺序，
        # 把每个梯度写进 grads，键名与 self.params 相同。
        # Hint: the forward pass has five steps: (1) project the features to
        # h0; (2) embed captions_in; (3) rnn_forward or lstm_forward (see
        # self.cell_type); (4) temporal_affine_forward to scores; (5)
        # temporal_softmax_loss(scores, captions_out, mask). Go back through
        # them in reverse order, storing each gradient in grads under the
        # name of its parameter.
        # YOUR CODE HERE
        raise NotImplementedError()
        return loss, grads

    # -- test time ---------------------------------------------------------

    def sample(self, features, max_length=30):
        """Greedy test-time sampling of captions.

        h0 comes from the features as in training; the first word fed in is
        <START>. At every step the word with the highest score is chosen and
        fed back in as the next input. Once a caption has produced <END>, its
        remaining positions stay <NULL>.

        Inputs:
        - features: image features, of shape (N, D)
        - max_length: maximum caption length T

        Returns:
        - captions: integer word indices, of shape (N, max_length); position t
          holds the word chosen at step t (the <START> fed in is not included)
        """
        features = self._check_features(features)
        if self._start is None or self._end is None:
            raise ValueError("sample needs '<START>' and '<END>' in word_to_idx")
        N = features.shape[0]
        captions = np.full((N, max_length), self._null, dtype=np.int64)

        W_proj, b_proj = self.params["W_proj"], self.params["b_proj"]
        W_embed = self.params["W_embed"]
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        W_vocab, b_vocab = self.params["W_vocab"], self.params["b_vocab"]

        # 提示：一次一个时间步。从 h0 和 <START>（self._start）开始；每一步：嵌入上一个词 →
        # rnn_step_forward 或 lstm_step_forward（LSTM 的 c0 为零）→ 得分 → argmax 得到词的索引，
        # 再作为下一步的输入。已经生成过 <END>（self._end）的描述，之后的位置保持 <NULL>。
        # Hint: one timestep at a time. Start from h0 and the word <START>
        # (self._start); at each step embed the previous word -> one
        # rnn_step_forward or lstm_step_forward (c0 is zero for the LSTM) ->
        # scores -> argmax, a word index, fed back in at the next step. A
        # caption that has produced <END> (self._end) stays <NULL> after it.
        # YOUR CODE HERE
        raise NotImplementedError()
        return captions
