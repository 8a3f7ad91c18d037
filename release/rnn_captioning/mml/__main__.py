"""python -m mml: a one-minute smoke test of the whole library.

Overfits a small captioning RNN on 50 training captions and prints a caption
it samples for a training image beside the true one.

冒烟测试：在 50 条训练描述上训练一个小型 RNN，并打印它为一张训练图像生成的描述。
"""
import numpy as np

from mml.captioning_solver import CaptioningSolver
from mml.classifiers.rnn import CaptioningRNN
from mml.coco_utils import decode_captions, load_coco_data


def main():
    np.random.seed(231)
    data = load_coco_data(max_train=50)
    model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1],
                          wordvec_dim=256, hidden_dim=512, cell_type="rnn")
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=50, batch_size=25,
                              optim_config={"learning_rate": 5e-3}, lr_decay=0.95, verbose=False)
    solver.train()
    image = data["train_image_idxs"][:1]
    sampled = decode_captions(model.sample(data["train_features"][image]), data["idx_to_word"])[0]
    truth = decode_captions(data["train_captions"][0, 1:], data["idx_to_word"])  # 1: skips <START>
    print(f"final training loss / 最终训练损失: {solver.loss_history[-1]:.4f}")
    print(f"sampled / 生成: {sampled}")
    print(f"truth   / 真实: {truth}")


if __name__ == "__main__":
    main()
