package dev.vecrnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.kernels.DropoutHash;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Central finite differences, in double precision, of an independent forward of d2l's scratch models (8.5
 * tanh RNN, 9.1 GRU, 9.2 LSTM, stacked as 9.3, and PyTorch's {@code nn.GRU} formula for {@code gru-torch}; formulas as {@code shared/golden/README.md} states them: one-hot
 * input as a row gather of {@code W_x*} in layer 0, layer l ≥ 1 reading layer l−1's new H, output layer, mean
 * cross-entropy over batch·steps), against the analytic float gradients of {@link Trainer#forwardBackward},
 * for every cell, one and two layers, every kernel implementation, one chunk and two chunks on two threads.
 *
 * <p>Parameters start at N(0, 0.5²), biases included, so the gates spread over (0, 1) instead of sitting at ½
 * where a wrong σ' or a swapped gate would hardly show. Tensors up to {@link #SAMPLE} entries are checked
 * entry by entry, larger ones at a fixed random sample of that many entries (the reference forward is cheap,
 * but a few thousand entries times two rounds times 24 cases is not).
 */
class GradientCheckTest {
    static final int V = 5, STEPS = 3;
    /** One more than the widest lanes, so the fused gate kernels run a full vector and a scalar tail. */
    static final int H = KernelProvider.available().stream().mapToInt(Kernels::lanes).max().orElse(4) + 1;
    static final double EPS = 1e-5, RTOL = 1e-3;
    static final int SAMPLE = 24;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String cell : List.of("rnn", "gru", "lstm", "gru-torch")) {
            for (int layers : new int[] {1, 2}) {
                for (Kernels k : KernelProvider.available()) {
                    Named<Kernels> kn = Named.of(k.name(), k);
                    out.add(Arguments.of(cell, layers, kn, 2, 1));   // the tiny case: one chunk
                    out.add(Arguments.of(cell, layers, kn, 18, 2));  // two chunks (16 + 2 sequences) on two threads
                }
            }
        }
        return out.stream();
    }

    /** d2l's gate letters per cell, in {@code get_params} order. */
    static String[] gates(String cell) {
        switch (cell) {
            case "rnn": return new String[] {"h"};
            case "gru": case "gru-torch": return new String[] {"z", "r", "h"};
            case "lstm": return new String[] {"i", "f", "o", "c"};
            default: throw new AssertionError(cell);
        }
    }

    /** The reference model: d2l's names and shapes (not the engine's tables), offsets into the model's buffer. */
    static final class Reference {
        final String cell;
        final int layers;
        final List<String> names = new ArrayList<>();
        final int[][] wx, wh, b; // [layer][gate]
        final int[] bhh; // [layer]: gru-torch's candidate recurrent bias
        final int whq, bq;
        /** Dropout on each layer's outputs as the layer above and the output layer read them; p = 0: none. */
        float dropP;
        long dropSeed, dropStep;

        Reference(RnnModel m, String cell, int layers) {
            this.cell = cell;
            this.layers = layers;
            String[] g = gates(cell);
            wx = new int[layers][g.length];
            wh = new int[layers][g.length];
            b = new int[layers][g.length];
            bhh = new int[layers];
            TensorTable t = m.table();
            for (int l = 0; l < layers; l++) {
                String prefix = layers == 1 ? "" : "rnns." + l + ".";
                for (int k = 0; k < g.length; k++) {
                    wx[l][k] = expect(t, names, prefix + "W_x" + g[k], l == 0 ? V : H, H);
                    wh[l][k] = expect(t, names, prefix + "W_h" + g[k], H, H);
                    String bias = cell.equals("gru-torch") && g[k].equals("h") ? "xh" : g[k];
                    b[l][k] = expect(t, names, prefix + "b_" + bias, H);
                }
                if (cell.equals("gru-torch")) bhh[l] = expect(t, names, prefix + "b_hh", H);
            }
            whq = expect(t, names, "W_hq", H, V);
            bq = expect(t, names, "b_q", V);
            List<String> engine = new ArrayList<>();
            for (TensorSpec s : t.specs()) engine.add(s.name());
            assertEquals(names, engine, "the parameters, in d2l's get_params order");
        }

        static int expect(TensorTable t, List<String> names, String name, int... shape) {
            assertArrayEquals(shape, t.spec(name).shape(), name + " shape");
            names.add(name);
            return t.offset(name);
        }

        /** Gate {@code k}'s pre-activation of layer {@code l}: {@code X·W_x + hv·W_h + b}; X is token {@code tok} or {@code in}. */
        double[] pre(double[] p, int l, int k, int tok, double[] in, double[] hv) {
            double[] a = new double[H];
            for (int j = 0; j < H; j++) a[j] = p[b[l][k] + j] + (l == 0 ? p[wx[l][k] + tok * H + j] : 0);
            if (l > 0) for (int i = 0; i < H; i++) for (int j = 0; j < H; j++) a[j] += in[i] * p[wx[l][k] + i * H + j];
            for (int i = 0; i < H; i++) for (int j = 0; j < H; j++) a[j] += hv[i] * p[wh[l][k] + i * H + j];
            return a;
        }

        static double sigmoid(double a) {
            return 1 / (1 + Math.exp(-a));
        }

        /** {@code hn} through layer {@code l}'s mask for sequence {@code s} at step {@code t}, in double. */
        double[] dropped(double[] hn, int l, int s, int t) {
            if (dropP == 0) return hn;
            int key = DropoutHash.rowKey(dropSeed, dropStep, l, s, t), threshold = DropoutHash.threshold(dropP);
            double scale = (float) (1.0 / (1.0 - dropP));
            double[] out = new double[H];
            for (int j = 0; j < H; j++) out[j] = DropoutHash.keep(key, j, threshold) ? hn[j] * scale : 0;
            return out;
        }

        /** Mean cross-entropy of the minibatch from initial states {@code s0[layer][part] (batch, H)}. */
        double loss(double[] p, int batch, int[] x, int[] y, float[][][] s0) {
            double total = 0;
            for (int s = 0; s < batch; s++) {
                double[][] h = new double[layers][H], c = new double[layers][H];
                for (int l = 0; l < layers; l++) {
                    for (int j = 0; j < H; j++) {
                        h[l][j] = s0[l][0][s * H + j];
                        if (cell.equals("lstm")) c[l][j] = s0[l][1][s * H + j];
                    }
                }
                for (int t = 0; t < STEPS; t++) {
                    int tok = x[s * STEPS + t];
                    double[] in = null;
                    for (int l = 0; l < layers; l++) {
                        double[] hp = h[l], hn = new double[H];
                        switch (cell) {
                            case "rnn": {
                                double[] a = pre(p, l, 0, tok, in, hp);
                                for (int j = 0; j < H; j++) hn[j] = Math.tanh(a[j]);
                                break;
                            }
                            case "gru": {
                                double[] az = pre(p, l, 0, tok, in, hp), ar = pre(p, l, 1, tok, in, hp), rh = new double[H];
                                for (int j = 0; j < H; j++) rh[j] = sigmoid(ar[j]) * hp[j];
                                double[] ah = pre(p, l, 2, tok, in, rh); // d2l: R applies before the product
                                for (int j = 0; j < H; j++) {
                                    double z = sigmoid(az[j]);
                                    hn[j] = z * hp[j] + (1 - z) * Math.tanh(ah[j]);
                                }
                                break;
                            }
                            case "gru-torch": { // nn.GRU: R applies after the candidate's recurrent product
                                double[] az = pre(p, l, 0, tok, in, hp), ar = pre(p, l, 1, tok, in, hp);
                                double[] ax = pre(p, l, 2, tok, in, new double[H]); // X·W_xh + b_xh
                                double[] hh = new double[H];
                                for (int i = 0; i < H; i++) for (int j = 0; j < H; j++) hh[j] += hp[i] * p[wh[l][2] + i * H + j];
                                for (int j = 0; j < H; j++) {
                                    double z = sigmoid(az[j]), r = sigmoid(ar[j]);
                                    double n = Math.tanh(ax[j] + r * (hh[j] + p[bhh[l] + j]));
                                    hn[j] = (1 - z) * n + z * hp[j];
                                }
                                break;
                            }
                            case "lstm": {
                                double[] ai = pre(p, l, 0, tok, in, hp), af = pre(p, l, 1, tok, in, hp);
                                double[] ao = pre(p, l, 2, tok, in, hp), ac = pre(p, l, 3, tok, in, hp);
                                for (int j = 0; j < H; j++) {
                                    c[l][j] = sigmoid(af[j]) * c[l][j] + sigmoid(ai[j]) * Math.tanh(ac[j]);
                                    hn[j] = sigmoid(ao[j]) * Math.tanh(c[l][j]);
                                }
                                break;
                            }
                            default: throw new AssertionError(cell);
                        }
                        h[l] = hn;
                        in = dropped(hn, l, s, t);
                    }
                    double[] logits = new double[V];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < V; v++) {
                        double o = p[bq + v];
                        for (int j = 0; j < H; j++) o += in[j] * p[whq + j * V + v];
                        logits[v] = o;
                        max = Math.max(max, o);
                    }
                    double sum = 0;
                    for (double o : logits) sum += Math.exp(o - max);
                    total += max + Math.log(sum) - logits[y[s * STEPS + t]];
                }
            }
            return total / (batch * STEPS);
        }
    }

    static RnnModel randomModel(String cell, int layers, long seed) {
        List<String> tokens = List.of(Vocab.UNK, "a", "b", "c", "d");
        RnnModel m = new RnnModel(cell, layers, new Vocab(tokens), Tokenization.CHAR, H);
        Random r = new Random(seed);
        float[] p = m.params().data();
        for (int i = 0; i < m.table().size(); i++) p[m.params().base() + i] = (float) (r.nextGaussian() * 0.5);
        return m;
    }

    static Minibatch randomMinibatch(Random r, int batch) {
        int[] x = new int[batch * STEPS], y = new int[batch * STEPS];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(V);
            y[i] = r.nextInt(V);
        }
        return new Minibatch(batch, STEPS, x, y);
    }

    @ParameterizedTest(name = "{0} layers={1} {2} batch={3} threads={4}")
    @MethodSource("cases")
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a stuck worker pool fails, not hangs
    void analyticGradientsMatchFiniteDifferences(String cell, int layers, Kernels kernels, int batch, int threads) {
        RnnModel model = randomModel(cell, layers, 17);
        Reference ref = new Reference(model, cell, layers);
        int parts = cell.equals("lstm") ? 2 : 1;
        Random r = new Random(23);
        try (Trainer trainer = new Trainer(model, kernels, batch, STEPS, 1f, 1f, threads)) {
            // First from a zero state, then from the state the first minibatch left (carried, detached).
            for (int round = 0; round < 2; round++) {
                Minibatch mb = randomMinibatch(r, batch);
                float[][][] s0 = new float[layers][parts][];
                double norm = 0;
                for (int l = 0; l < layers; l++) {
                    for (int q = 0; q < parts; q++) {
                        s0[l][q] = trainer.state(l, q);
                        for (float v : s0[l][q]) norm += Math.abs(v);
                    }
                }
                if (round == 1) assertTrue(norm > 0.1 * layers * parts, "the second minibatch starts from a non-zero carried state");
                double analyticLoss = trainer.forwardBackward(mb);
                double[] p = new double[model.table().size()];
                for (int i = 0; i < p.length; i++) p[i] = model.params().data()[model.params().base() + i];
                double expected = ref.loss(p, batch, mb.x(), mb.y(), s0);
                assertEquals(expected, analyticLoss, 1e-5 * Math.abs(expected), "loss, round " + round);
                check(model, trainer.gradients(), ref, p, batch, mb, s0, "round " + round);
            }
        }
    }

    /**
     * The same with dropout 0.4 at optimizer steps 3 and then 4: the masks are a function of the step, so for a
     * fixed step the loss is a function of the parameters, and the reference applies the same masks (drawn by
     * {@link DropoutHash}, whose kernels {@code DropoutKernelTest} checks) in double. Backward must mask each
     * gradient with the mask forward used: a mask of the wrong layer, step or row shows here.
     */
    @ParameterizedTest(name = "{0} layers={1} {2} batch={3} threads={4}")
    @MethodSource("cases")
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void analyticGradientsMatchFiniteDifferencesWithDropout(String cell, int layers, Kernels kernels, int batch, int threads) {
        RnnModel model = randomModel(cell, layers, 19);
        Reference ref = new Reference(model, cell, layers);
        ref.dropP = 0.4f;
        ref.dropSeed = 99;
        int parts = cell.equals("lstm") ? 2 : 1;
        Random r = new Random(29);
        try (Trainer trainer = new Trainer(model, kernels, batch, STEPS, 1f, 1f, threads)) {
            trainer.setDropout(ref.dropP, ref.dropSeed);
            for (int round = 0; round < 2; round++) {
                ref.dropStep = 3 + round;
                trainer.setOptimizerSteps(ref.dropStep);
                Minibatch mb = randomMinibatch(r, batch);
                float[][][] s0 = new float[layers][parts][];
                for (int l = 0; l < layers; l++) for (int q = 0; q < parts; q++) s0[l][q] = trainer.state(l, q);
                double analyticLoss = trainer.forwardBackward(mb);
                double[] p = new double[model.table().size()];
                for (int i = 0; i < p.length; i++) p[i] = model.params().data()[model.params().base() + i];
                double expected = ref.loss(p, batch, mb.x(), mb.y(), s0);
                assertEquals(expected, analyticLoss, 1e-5 * Math.abs(expected), "loss with dropout, round " + round);
                ref.dropP = 0;
                double undropped = ref.loss(p, batch, mb.x(), mb.y(), s0);
                ref.dropP = 0.4f;
                assertTrue(Math.abs(undropped - expected) > 1e-5, "dropout must change the loss: " + expected + " vs " + undropped);
                check(model, trainer.gradients(), ref, p, batch, mb, s0, "dropout, round " + round);
            }
        }
    }

    static void check(RnnModel model, Slab grads, Reference ref, double[] p, int batch, Minibatch mb, float[][][] s0,
                      String what) {
        for (String name : ref.names) {
            int off = model.table().offset(name), n = model.table().spec(name).size();
            for (int i = 0; i < n; i++) {
                float g = grads.data()[grads.off(name) + i];
                assertTrue(Float.isFinite(g), what + ": d loss / d " + name + "[" + i + "] = " + g);
            }
            int[] entries = sample(name, n);
            double[] numeric = new double[entries.length];
            double maxAbs = 0;
            for (int e = 0; e < entries.length; e++) {
                int i = off + entries[e];
                double saved = p[i];
                p[i] = saved + EPS;
                double plus = ref.loss(p, batch, mb.x(), mb.y(), s0);
                p[i] = saved - EPS;
                double minus = ref.loss(p, batch, mb.x(), mb.y(), s0);
                p[i] = saved;
                numeric[e] = (plus - minus) / (2 * EPS);
                maxAbs = Math.max(maxAbs, Math.abs(numeric[e]));
            }
            // far above the differences' own error (~1e-10); layer 0 of the deep LSTM sits near 5e-4 at batch 18
            assertTrue(maxAbs > 1e-4, name + ": the check needs gradients that are not all ~0, max " + maxAbs);
            for (int e = 0; e < entries.length; e++) {
                double analytic = grads.data()[grads.off(name) + entries[e]];
                double tol = RTOL * Math.abs(numeric[e]) + 1e-5 * maxAbs;
                assertEquals(numeric[e], analytic, tol, what + ": d loss / d " + name + "[" + entries[e] + "]");
            }
        }
    }

    /** Every entry of a small tensor; {@link #SAMPLE} distinct entries of a larger one, the same for every case. */
    static int[] sample(String name, int n) {
        if (n <= SAMPLE) return java.util.stream.IntStream.range(0, n).toArray();
        Random r = new Random(name.hashCode());
        TreeSet<Integer> s = new TreeSet<>(List.of(0, n - 1));
        while (s.size() < SAMPLE) s.add(r.nextInt(n));
        return s.stream().mapToInt(Integer::intValue).toArray();
    }
}
