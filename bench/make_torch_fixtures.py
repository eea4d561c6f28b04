"""Writes the PyTorch interchange fixtures of engine/src/test/resources/dev/vecrnn/io/torch/: small concise
d2l models trained by the shared d2l_torch.py (--concise, nn.RNN / nn.LSTM / nn.GRU) and, beside each
NAME.safetensors, NAME.expected.safetensors with what PyTorch computed from it: `tokens` (I32, a fixed input
sequence), `logits` (F32, (steps, V), from a zero state) and in its metadata `prefix`, `num_preds` and
`prediction`, d2l's greedy predict_ch8 text.
Usage (from the repository root; the corpus is the shared Time Machine):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/make_torch_fixtures.py \
      [--out engine/src/test/resources/dev/vecrnn/io/torch] [--corpus ../shared/data/timemachine.txt]"""
import argparse, os, subprocess, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_predict  # noqa: E402
from torch_predict import st  # noqa: E402

ANCHORS = os.path.join(HERE, "..", "..", "shared", "anchors")
# name, cell, layers, hidden, epochs: hidden sizes off the vector widths, so the imported models also run kernel
# tails; epochs enough that the greedy text is more than one repeated token (a deep LSTM starts slowest)
FIXTURES = [("rnn1", "rnn", 1, 32, 40), ("lstm2", "lstm", 2, 24, 200), ("gru1", "gru", 1, 20, 80)]
PREFIX, NUM_PREDS = "time traveller", 50
INPUT = "the time machine by h g wells"  # the logits' fixed input

p = argparse.ArgumentParser()
p.add_argument("--out", default=os.path.join(HERE, "..", "engine/src/test/resources/dev/vecrnn/io/torch"))
p.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "data", "timemachine.txt"))
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
for name, cell, layers, hidden, epochs in FIXTURES:
    path = os.path.join(a.out, name + ".safetensors")
    subprocess.run([sys.executable, os.path.join(ANCHORS, "d2l_torch.py"), a.corpus, "--concise", "--cell", cell,
                    "--layers", str(layers), "--hidden", str(hidden), "--epochs", str(epochs), "--threads", "1",
                    "--lr", "1", "--seed", "0", "--log-every", str(epochs), "--save-safetensors", path], check=True)
    net, vocab = torch_predict.load(path)
    tok = {t: i for i, t in enumerate(vocab)}
    tokens = [tok.get(c, 0) for c in INPUT]
    y = torch_predict.logits(net, tokens)
    text = torch_predict.predict_ch8(PREFIX, NUM_PREDS, net, vocab)
    st.save(os.path.join(a.out, name + ".expected.safetensors"),
            {"tokens": torch.tensor(tokens, dtype=torch.int32), "logits": y.float().contiguous()},
            {"prefix": PREFIX, "num_preds": NUM_PREDS, "prediction": text, "input": INPUT})
    print(f"{name}: {cell} layers={layers} hidden={hidden}: {text}", flush=True)
