package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.TensorSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two clipped SGD steps of d2l's scratch models against PyTorch autograd ({@code shared/golden}): the tanh
 * RNN, GRU, LSTM and deep stacks. Logits, losses, every gradient before clipping, the gradient norm, the
 * parameters after each step and every layer's carried state, for every kernel implementation and for 1
 * and 2 threads. The cell and depth come from each file's metadata (the two oldest files have none: rnn, 1).
 */
class GoldenTest {
    static final List<String> FILES = List.of("rnn_small", "rnn_d2l", "gru_small", "lstm_small", "lstm2_small",
            "rnn3_small", "gru_d2l", "lstm_d2l");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String file : FILES) {
            for (Kernels k : KernelProvider.available()) {
                for (int threads : new int[] {1, 2}) out.add(Arguments.of(file, k, threads));
            }
        }
        return out.stream();
    }

    /** The fixture's model with its initial parameters; token i of the vocabulary is a stand-in name. */
    static RnnModel model(SafeTensors.Contents g) {
        int vocab = Integer.parseInt(g.metadata().get("vocab_size"));
        int hidden = Integer.parseInt(g.metadata().get("num_hiddens"));
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK));
        for (int i = 1; i < vocab; i++) tokens.add("t" + i);
        RnnModel model = new RnnModel(g.metadata().getOrDefault("cell", "rnn"),
                Integer.parseInt(g.metadata().getOrDefault("num_layers", "1")), new Vocab(tokens), Tokenization.CHAR, hidden);
        for (TensorSpec s : model.table().specs()) model.setTensor(s.name(), f(g, s.name()));
        return model;
    }

    @ParameterizedTest(name = "{0} {1} threads={2}")
    @MethodSource("cases")
    void matchesPyTorch(String file, Kernels kernels, int threads) throws IOException {
        SafeTensors.Contents g = SafeTensors.read(Fixtures.goldenDir().resolve(file + ".safetensors"));
        int batch = Integer.parseInt(g.metadata().get("batch_size"));
        int steps = Integer.parseInt(g.metadata().get("num_steps"));
        RnnModel model = model(g);
        List<TensorSpec> params = model.table().specs();
        assertTrue(params.size() >= 5, "the model has its parameters");

        try (Trainer trainer = new Trainer(model, kernels, batch, steps, 1f, 1f, threads)) {
            for (int s = 1; s <= 2; s++) {
                Minibatch mb = new Minibatch(batch, steps, i(g, "X" + s), i(g, "Y" + s));
                double loss = trainer.forwardBackward(mb);
                assertEquals(f(g, "loss" + s)[0], loss, 1e-5 * Math.abs(f(g, "loss" + s)[0]), "loss" + s);
                if (s == 1) {
                    float[] logits = new float[steps * batch * model.vocab().size()];
                    trainer.logits(logits);
                    assertClose("logits1", f(g, "logits1"), logits, 1e-4);
                }
                for (TensorSpec p : params) {
                    float[] grad = new float[p.size()];
                    System.arraycopy(trainer.gradients().data(), trainer.gradients().off(p.name()), grad, 0, grad.length);
                    assertClose("grad_" + p.name() + s, f(g, "grad_" + p.name() + s), grad, 1e-4);
                }
                trainer.update();
                assertEquals(f(g, "gradnorm" + s)[0], trainer.lastGradNorm(), 1e-4 * f(g, "gradnorm" + s)[0], "gradnorm" + s);
                assertTrue(trainer.lastGradNorm() > 1, "the fixture is meant to exercise clipping");
                for (TensorSpec p : params) {
                    assertClose(p.name() + "_after" + s, f(g, p.name() + "_after" + s), model.tensor(p.name()), 1e-4);
                }
            }
            for (int l = 0; l < model.numLayers(); l++) {
                String name = "state_after2" + (model.numLayers() > 1 ? "_l" + l : "");
                if (model.cellType().equals("lstm")) {
                    assertClose(name + "_H", f(g, name + "_H"), trainer.state(l, 0), 1e-4);
                    assertClose(name + "_C", f(g, name + "_C"), trainer.state(l, 1), 1e-4);
                } else {
                    assertClose(name, f(g, name), trainer.state(l, 0), 1e-4);
                }
            }
        }
    }

    /** Element-wise {@code |a − e| ≤ rtol·(|e| + max|e|·1e-2)}: relative, with a floor for near-zero entries. */
    static void assertClose(String what, float[] expected, float[] actual, double rtol) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        double worst = 0;
        int at = -1;
        for (int j = 0; j < expected.length; j++) {
            double err = Math.abs(actual[j] - expected[j]) / (Math.abs(expected[j]) + scale * 1e-2);
            if (!(err <= worst)) {
                worst = err;
                at = j;
            }
        }
        double w = worst;
        int a = at;
        assertTrue(w <= rtol, () -> what + ": relative error " + w + " at " + a + " (expected " + expected[a] + ", got " + actual[a] + ")");
    }

    static float[] f(SafeTensors.Contents g, String name) {
        SafeTensors.Tensor t = g.tensors().get(name);
        assertTrue(t != null, "the fixture has no tensor " + name);
        return t.floats();
    }

    static int[] i(SafeTensors.Contents g, String name) {
        return g.tensors().get(name).ints();
    }
}
