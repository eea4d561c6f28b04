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
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two clipped SGD steps of the scratch RNN against PyTorch autograd ({@code shared/golden}): logits, losses,
 * every gradient before clipping, the gradient norm, the parameters after each step and the carried state,
 * for every kernel implementation and for 1 and 2 threads.
 */
class GoldenTest {
    static final String[] PARAMS = {"W_xh", "W_hh", "b_h", "W_hq", "b_q"};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String file : List.of("rnn_small.safetensors", "rnn_d2l.safetensors")) {
            for (Kernels k : KernelProvider.available()) {
                for (int threads : new int[] {1, 2}) out.add(Arguments.of(file, k, threads));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} threads={2}")
    @MethodSource("cases")
    void matchesPyTorch(String file, Kernels kernels, int threads) throws IOException {
        SafeTensors.Contents g = SafeTensors.read(Fixtures.goldenDir().resolve(file));
        int vocab = Integer.parseInt(g.metadata().get("vocab_size"));
        int hidden = Integer.parseInt(g.metadata().get("num_hiddens"));
        int batch = Integer.parseInt(g.metadata().get("batch_size"));
        int steps = Integer.parseInt(g.metadata().get("num_steps"));
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK));
        for (int i = 1; i < vocab; i++) tokens.add("t" + i);
        RnnModel model = new RnnModel(new RnnCell(), new Vocab(tokens), Tokenization.CHAR, hidden);
        for (String p : PARAMS) model.setTensor(p, f(g, p));

        try (Trainer trainer = new Trainer(model, kernels, batch, steps, 1f, 1f, threads)) {
            for (int s = 1; s <= 2; s++) {
                Minibatch mb = new Minibatch(batch, steps, i(g, "X" + s), i(g, "Y" + s));
                double loss = trainer.forwardBackward(mb);
                assertEquals(f(g, "loss" + s)[0], loss, 1e-5 * Math.abs(f(g, "loss" + s)[0]), "loss" + s);
                if (s == 1) {
                    float[] logits = new float[steps * batch * vocab];
                    trainer.logits(logits);
                    assertClose("logits1", f(g, "logits1"), logits, 1e-4);
                }
                for (String p : PARAMS) {
                    float[] grad = new float[model.table().spec(p).size()];
                    System.arraycopy(trainer.gradients().data(), trainer.gradients().off(p), grad, 0, grad.length);
                    assertClose("grad_" + p + s, f(g, "grad_" + p + s), grad, 1e-4);
                }
                trainer.update();
                assertEquals(f(g, "gradnorm" + s)[0], trainer.lastGradNorm(), 1e-4 * f(g, "gradnorm" + s)[0], "gradnorm" + s);
                assertTrue(trainer.lastGradNorm() > 1, "the fixture is meant to exercise clipping");
                for (String p : PARAMS) assertClose(p + "_after" + s, f(g, p + "_after" + s), model.tensor(p), 1e-4);
            }
            assertClose("state_after2", f(g, "state_after2"), trainer.state(), 1e-4);
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
        return g.tensors().get(name).floats();
    }

    static int[] i(SafeTensors.Contents g, String name) {
        return g.tensors().get(name).ints();
    }
}
