package dev.vecrnn.train;

import static dev.vecrnn.train.GoldenTest.assertClose;
import static dev.vecrnn.train.GoldenTest.f;
import static dev.vecrnn.train.GoldenTest.i;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.Optimizers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two clipped Adam and AdamW steps of the scratch RNN against {@code torch.optim} ({@code shared/golden}):
 * losses, gradients, the parameters after each step, the carried state and the moments after step 2, for
 * every kernel implementation and for 1 and 2 threads. The optimizer is built from the fixture's
 * metadata through {@link Optimizers#create}, as the command line will build it.
 */
class OptimizerGoldenTest {
    static final String[] PARAMS = {"W_xh", "W_hh", "b_h", "W_hq", "b_q"};

    /** The README's tolerance for parameters that move by about lr per step. */
    static final double PARAM_ATOL = 1e-6;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String file : List.of("rnn_small_adam.safetensors", "rnn_small_adamw.safetensors")) {
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
        Map<String, String> meta = g.metadata();
        int vocab = Integer.parseInt(meta.get("vocab_size"));
        int hidden = Integer.parseInt(meta.get("num_hiddens"));
        int batch = Integer.parseInt(meta.get("batch_size"));
        int steps = Integer.parseInt(meta.get("num_steps"));
        float lr = Float.parseFloat(meta.get("lr")), clip = Float.parseFloat(meta.get("clip_theta"));
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK));
        for (int t = 1; t < vocab; t++) tokens.add("t" + t);
        RnnModel model = new RnnModel(new RnnCell(), new Vocab(tokens), Tokenization.CHAR, hidden);
        for (String p : PARAMS) model.setTensor(p, f(g, p));
        Optimizer optimizer = Optimizers.create(meta.get("optimizer"), hyperparameters(meta.get("optimizer_hparams")), model.table());

        try (Trainer trainer = new Trainer(model, kernels, batch, steps, lr, clip, threads, optimizer)) {
            for (int s = 1; s <= 2; s++) {
                Minibatch mb = new Minibatch(batch, steps, i(g, "X" + s), i(g, "Y" + s));
                double loss = trainer.forwardBackward(mb);
                assertEquals(f(g, "loss" + s)[0], loss, 1e-5 * Math.abs(f(g, "loss" + s)[0]), "loss" + s);
                for (String p : PARAMS) assertClose("grad_" + p + s, f(g, "grad_" + p + s), copy(trainer.gradients(), p), 1e-4);
                trainer.update();
                assertEquals(s, trainer.optimizerSteps());
                assertEquals(f(g, "gradnorm" + s)[0], trainer.lastGradNorm(), 1e-4 * f(g, "gradnorm" + s)[0], "gradnorm" + s);
                assertTrue(trainer.lastGradNorm() > clip, "the fixture is meant to exercise clipping");
                for (String p : PARAMS) assertAbsClose(p + "_after" + s, f(g, p + "_after" + s), model.tensor(p), PARAM_ATOL);
            }
            assertClose("state_after2", f(g, "state_after2"), trainer.state(), 1e-4);
            for (String p : PARAMS) {
                assertClose("exp_avg_" + p, f(g, "exp_avg_" + p), copy(trainer.optimizerState(), "exp_avg." + p), 1e-4);
                assertClose("exp_avg_sq_" + p, f(g, "exp_avg_sq_" + p), copy(trainer.optimizerState(), "exp_avg_sq." + p), 2e-4);
            }
        }
    }

    /** torch's {@code optimizer_hparams} JSON as {@link Optimizers#create} names them. */
    static Map<String, Double> hyperparameters(String json) {
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        JsonArray betas = o.getAsJsonArray("betas");
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("beta1", betas.get(0).getAsDouble());
        h.put("beta2", betas.get(1).getAsDouble());
        h.put("eps", o.get("eps").getAsDouble());
        h.put("weight_decay", o.get("weight_decay").getAsDouble());
        return h;
    }

    static float[] copy(Slab slab, String name) {
        float[] out = new float[slab.table().spec(name).size()];
        System.arraycopy(slab.data(), slab.off(name), out, 0, out.length);
        return out;
    }

    static void assertAbsClose(String what, float[] expected, float[] actual, double atol) {
        assertEquals(expected.length, actual.length, what + " length");
        double worst = 0;
        int at = -1;
        for (int j = 0; j < expected.length; j++) {
            double err = Math.abs(actual[j] - expected[j]);
            if (!(err <= worst)) {
                worst = err;
                at = j;
            }
        }
        double w = worst;
        int a = at;
        assertTrue(w <= atol, () -> what + ": error " + w + " at " + a + " (expected " + expected[a] + ", got " + actual[a] + ")");
    }
}
