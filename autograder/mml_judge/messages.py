"""Bilingual (中文 first, then English) verdicts of the judge.

A failure is one paragraph: what was expected, what came back, which idea to
revisit. It never shows the hidden inputs, how they were made, or the
reference solution.
"""
from dataclasses import dataclass, field

# Ideas to revisit, by key: (中文, English). Glossary terms as in the course.
IDEAS = {
    "rnn_step_forward": ("RNN 单步前向：next_h = tanh(x Wx + prev_h Wh + b)",
                         "the RNN step forward: next_h = tanh(x Wx + prev_h Wh + b)"),
    "rnn_step_backward": ("RNN 单步反向：tanh 的导数 1 - tanh²，以及矩阵乘法的梯度",
                          "the RNN step backward: tanh' = 1 - tanh^2, then the gradients of the matrix products"),
    "rnn_forward": ("循环神经网络的序列前向：沿时间循环，每一步使用同一组权重，隐藏状态从 h0 开始",
                    "the RNN sequence forward: loop over time with the same weights, the hidden state starting at h0"),
    "bptt_carry": ("随时间反向传播：第 t 步收到的梯度是 dh[:, t, :] 加上第 t+1 步传回的 dprev_h",
                   "backpropagation through time: the gradient reaching step t is dh[:, t, :] plus the dprev_h sent back by step t+1"),
    "bptt_dh0": ("随时间反向传播的终点：第 0 步传回的 dprev_h 就是 dh0，不能丢掉",
                 "the end of backpropagation through time: the dprev_h that step 0 sends back is dh0; do not drop it"),
    "bptt": ("随时间反向传播：从最后一步往前走，权重的梯度在各步之间累加",
             "backpropagation through time: walk back from the last step; the weight gradients add up over the steps"),
    "embedding_forward": ("词嵌入前向：用整数数组索引 W[x] 一次取出所有词向量",
                          "the word embedding forward: integer-array indexing W[x] looks up every word vector"),
    "embedding_repeats": ("词嵌入反向：同一个词出现多次时梯度要累加（np.add.at）；dW[x] += dout 会丢掉重复的索引",
                          "the word embedding backward: a word that appears several times adds up its gradients (np.add.at); dW[x] += dout drops repeated indices"),
    "embedding_backward": ("词嵌入反向：把 dout 按词的索引累加进 dW",
                           "the word embedding backward: add dout into dW at the word indices"),
    "model_loss": ("CaptioningRNN.loss 的五个步骤：特征投影为 h0、词嵌入、RNN/LSTM、时序仿射、带掩码的 softmax 损失，以及反方向的梯度",
                   "the five steps of CaptioningRNN.loss: features to h0, word embedding, RNN/LSTM, temporal affine, masked softmax loss, and their gradients in reverse"),
    "mask": ("掩码：captions_out 中为 <NULL> 的位置不计入损失和梯度，mask = (captions_out != <NULL>) 要传给 temporal_softmax_loss",
             "the mask: positions where captions_out is <NULL> add nothing to the loss or gradient; pass mask = (captions_out != <NULL>) to temporal_softmax_loss"),
    "sample": ("测试时采样：从 h0 和 <START> 开始，每一步取得分的 argmax，把这个词的索引作为下一步的输入；只评第一个 <END>（含）之前的词",
               "test-time sampling: start from h0 and <START>, take the argmax of the scores at every step and feed that word index back in; only the words up to and including the first <END> are graded"),
    "sample_indices": ("采样：送回下一步的是 argmax 得到的词的索引（再经过词嵌入），而不是得分向量",
                       "sampling: what goes back in at the next step is the word index from argmax (through the word embedding), not the score vector"),
    "sample_update": ("采样：每一步都要把刚选出的词作为下一步的输入（x = W_embed[word]），而不是一直输入 <START>",
                      "sampling: the word just chosen is the next step's input (x = W_embed[word]); do not keep feeding <START>"),
    "sample_start": ("采样：第一步的输入是 <START>（self._start）的词向量，不是 <NULL> 或索引 0",
                     "sampling: the first input is the word vector of <START> (self._start), not <NULL> or index 0"),
    "sample_positions": ("采样：位置 t 存第 t 步选出的词，输入的 <START> 不放进结果",
                         "sampling: position t holds the word chosen at step t; the <START> fed in is not part of the result"),
    "special_indices": ("特殊词的索引要从 word_to_idx 读取（self._null、self._start、self._end），不能写死 0、1、2，掩码也不能写成 != 0",
                        "read the special words' indices from word_to_idx (self._null, self._start, self._end); do not hard-code 0, 1, 2 or a mask != 0"),
    "dtype": ("float32 模型要保持 float32：最可能的原因是某个数组创建时没有用模型的 dtype，例如没有 dtype= 的 np.zeros / np.empty（默认 float64）；请用 dtype=x.dtype 或 np.zeros_like",
              "a float32 model stays float32: the likely cause is an array created without the model's dtype, e.g. np.zeros / np.empty without dtype= (float64 by default); pass dtype=x.dtype or use np.zeros_like"),
    "lstm_step_forward": ("LSTM 单步前向：四个门 i, f, o, g 的顺序与激活函数，next_c = f*prev_c + i*g，next_h = o*tanh(next_c)",
                          "the LSTM step forward: the order and activations of the gates i, f, o, g; next_c = f*prev_c + i*g, next_h = o*tanh(next_c)"),
    "lstm_cell_path": ("LSTM 单步反向：细胞状态 next_c 有两条梯度来源——dnext_c，以及经过 next_h = o * tanh(next_c) 从 dnext_h 传来的部分",
                       "the LSTM step backward: the cell state next_c gets gradient along two paths, dnext_c and the path from dnext_h through next_h = o * tanh(next_c)"),
    "lstm_step_backward": ("LSTM 单步反向：sigmoid' = s(1-s)，tanh' = 1-t²，四个门的梯度拼回 (N, 4H)",
                           "the LSTM step backward: sigmoid' = s(1-s), tanh' = 1-t^2, the four gate gradients stacked back into (N, 4H)"),
    "lstm_forward": ("LSTM 序列前向：同时传递隐藏状态和细胞状态，c0 为零",
                     "the LSTM sequence forward: carry both the hidden state and the cell state, c0 = 0"),
    "lstm_bptt": ("LSTM 的随时间反向传播：dprev_h 和 dprev_c 都要沿时间往回传，dh0 是第 0 步传回的 dprev_h",
                  "backpropagation through time for the LSTM: both dprev_h and dprev_c travel back in time; dh0 is what step 0 sends back"),
    "overfit": ("在小数据集上过拟合：损失和梯度都正确时，50 条描述的训练损失会降到阈值以下",
                "overfitting a small set: with a correct loss and gradient, the training loss on 50 captions falls below the threshold"),
}


@dataclass
class Verdict:
    """The judgement of one check."""
    name: str
    passed: bool
    zh: str
    en: str
    details: dict = field(default_factory=dict)

    @property
    def message(self):
        mark = "通过 / passed" if self.passed else "未通过 / failed"
        return f"[{self.name}] {mark}: {self.zh} / {self.en}"

    def as_dict(self):
        return {"name": self.name, "passed": self.passed, "message": self.message, **self.details}


def passed(name, zh, en, **details):
    return Verdict(name, True, zh, en, details)


def failed(name, expected, got, idea, **details):
    """expected, got: (中文, English) pairs; idea: a key of IDEAS."""
    idea_zh, idea_en = IDEAS[idea]
    return Verdict(name, False,
                   f"期望：{expected[0]}；实际：{got[0]}。请复习：{idea_zh}。",
                   f"expected: {expected[1]}; got: {got[1]}. Revisit: {idea_en}.",
                   dict(details, idea=idea))


def describe_child_failure(result, limits):
    """(中文, English) for a child that returned no outputs."""
    d = result.detail
    if result.status == "timeout":
        return (f"代码在 {d['seconds']:g} 秒内没有结束（死循环？），已被终止",
                f"the code did not finish within {d['seconds']:g} s (an infinite loop?) and was stopped")
    if result.status == "import":
        return (f"无法从学生文件夹导入 mml（{d.get('message', '')}）；不会改用任何参考实现",
                f"mml cannot be imported from the student folder ({d.get('message', '')}); no reference implementation is ever used instead")
    if result.status == "crash":
        signal_name = d.get("signal", "")
        if d.get("memory_cap"):
            return ("代码的所有进程合计用的内存超过了评分沙箱的上限（MML_SANDBOX_MEMORY_MB），已被终止",
                    "the code's processes together used more memory than the grading sandbox allows "
                    "(MML_SANDBOX_MEMORY_MB) and were stopped")
        if signal_name in ("SIGXCPU", "SIGKILL"):
            return ("进程超出了 CPU 时间上限，已被终止", "the process went over its CPU-time limit and was stopped")
        if signal_name == "SIGXFSZ":
            return (f"进程写出的文件超过了 {limits.output_mb:g} MiB 的上限",
                    f"the process wrote a file larger than the {limits.output_mb:g} MiB limit")
        return (f"进程崩溃（信号 {signal_name}）", f"the process crashed (signal {signal_name})")
    if result.status == "error":
        where = f"（{d['where']}）" if d.get("where") else ""
        where_en = f" (at {d['where']})" if d.get("where") else ""
        if d.get("type") == "MemoryError":
            return (f"申请的内存超过了 {limits.memory_mb:g} MiB 的上限{where}",
                    f"asked for more memory than the {limits.memory_mb:g} MiB limit{where_en}")
        return (f"抛出了异常 {d.get('type')}: {d.get('message')}{where}",
                f"an exception {d.get('type')}: {d.get('message')}{where_en}")
    return (f"进程在返回结果之前就结束了（os._exit 或 sys.exit？退出码 {d.get('returncode')}）",
            f"the process ended before returning a result (os._exit or sys.exit? exit code {d.get('returncode')})")
