"""Loads a safetensors state dict (from `vecrnn export` or `d2l_torch.py --concise --save-safetensors`) into
d2l's concise RNNModel (nn.RNN / nn.GRU / nn.LSTM in `rnn`, nn.Linear in `linear`) with load_state_dict, and
prints d2l's greedy predict_ch8 text. make_torch_fixtures.py imports the model and helpers from here.
Usage (from the repository root):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch_predict.py FILE \
      [--prefix 'time traveller'] [--num-preds 50]"""
import argparse, json, os, sys
import torch
from torch import nn
from torch.nn import functional as F

# st.py (safetensors reader and writer) lives beside d2l_torch.py in the shared anchors
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "anchors"))
import st  # noqa: E402

TORCH_CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RNNModel(nn.Module):
    """d2l's RNNModel (8.6/9.x), as d2l_torch.py's Concise declares it: rnn, then a Linear on every step."""
    def __init__(self, cell, vocab_size, num_hiddens, num_layers):
        super().__init__()
        self.rnn = TORCH_CELLS[cell](vocab_size, num_hiddens, num_layers=num_layers)
        self.linear = nn.Linear(num_hiddens, vocab_size)
        self.cell, self.vocab_size, self.num_hiddens, self.num_layers = cell, vocab_size, num_hiddens, num_layers

    def forward(self, X, state):
        Y, state = self.rnn(F.one_hot(X.T, self.vocab_size).float(), state)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state

    def begin_state(self, batch_size):
        z = lambda: torch.zeros(self.num_layers, batch_size, self.num_hiddens)
        return (z(), z()) if self.cell == "lstm" else z()


def load(path):
    """The model, with load_state_dict (strict: every key, no extra), and its idx_to_token."""
    sd, meta = st.load(path)
    idx_to_token = json.loads(meta["idx_to_token"])
    layers = sum(1 for k in sd if k.startswith("rnn.weight_ih_l"))
    gates = sd["rnn.weight_ih_l0"].shape[0] // sd["rnn.weight_hh_l0"].shape[1]
    cell = {1: "rnn", 3: "gru", 4: "lstm"}[gates]
    net = RNNModel(cell, len(idx_to_token), sd["rnn.weight_hh_l0"].shape[1], layers)
    net.load_state_dict(sd, strict=True)
    return net.eval(), idx_to_token


def predict_ch8(prefix, num_preds, net, idx_to_token):
    """d2l's predict_ch8: warm up on the prefix from a zero state, then greedy argmax (unknown chars → <unk>)."""
    tok_to_idx = {t: i for i, t in enumerate(idx_to_token)}
    state = net.begin_state(1)
    outputs = [tok_to_idx.get(prefix[0], 0)]
    with torch.no_grad():
        for ch in prefix[1:]:
            _, state = net(torch.tensor([[outputs[-1]]]), state)
            outputs.append(tok_to_idx.get(ch, 0))
        for _ in range(num_preds):
            y, state = net(torch.tensor([[outputs[-1]]]), state)
            outputs.append(int(y.argmax(dim=1)))
    return "".join(idx_to_token[i] for i in outputs)


def logits(net, tokens):
    """(len(tokens), V) logits of one sequence from a zero state, one row per step."""
    with torch.no_grad():
        y, _ = net(torch.tensor([tokens]), net.begin_state(1))
    return y


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("file"); p.add_argument("--prefix", default="time traveller")
    p.add_argument("--num-preds", type=int, default=50)
    a = p.parse_args()
    net, vocab = load(a.file)
    print(predict_ch8(a.prefix, a.num_preds, net, vocab))
