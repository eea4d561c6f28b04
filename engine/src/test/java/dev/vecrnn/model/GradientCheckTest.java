package dev.vecrnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Central finite differences, in double precision, of an independent forward of the scratch RNN's loss
 * (d2l 8.5: one-hot input as a row gather of W_xh, tanh recurrence, output layer, mean cross-entropy over
 * batch·steps), against the analytic float gradients of {@link Trainer#forwardBackward}, for every
 * parameter and every kernel implementation.
 */
class GradientCheckTest {
    static final int V = 5, H = 4, STEPS = 3;
    static final double EPS = 1e-5, RTOL = 1e-3;
    static final String[] NAMES = {"W_xh", "W_hh", "b_h", "W_hq", "b_q"};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : KernelProvider.available()) {
            out.add(Arguments.of(k, 2, 1));   // the tiny case: one chunk
            out.add(Arguments.of(k, 18, 2));  // two chunks (16 + 2 sequences) on two threads
        }
        return out.stream();
    }

    /** The model's parameters with the layout of {@link RnnModel#table()}, as doubles. */
    static final class Params {
        final double[] p;
        final int wxh, whh, bh, whq, bq;

        Params(RnnModel m) {
            float[] f = m.params().data();
            TensorTable t = m.table();
            p = new double[t.size()];
            for (int i = 0; i < p.length; i++) p[i] = f[m.params().base() + i];
            wxh = t.offset("W_xh");
            whh = t.offset("W_hh");
            bh = t.offset("b_h");
            whq = t.offset("W_hq");
            bq = t.offset("b_q");
        }
    }

    /** Mean cross-entropy of the minibatch from initial state {@code h0 (batch, H)}: the reference forward. */
    static double loss(Params q, double[] p, int batch, int[] x, int[] y, float[] h0) {
        double total = 0;
        for (int b = 0; b < batch; b++) {
            double[] h = new double[H];
            for (int j = 0; j < H; j++) h[j] = h0[b * H + j];
            for (int t = 0; t < STEPS; t++) {
                int tok = x[b * STEPS + t];
                double[] hn = new double[H];
                for (int j = 0; j < H; j++) {
                    double z = p[q.wxh + tok * H + j] + p[q.bh + j];     // one-hot · W_xh is row tok
                    for (int i = 0; i < H; i++) z += h[i] * p[q.whh + i * H + j];
                    hn[j] = Math.tanh(z);
                }
                h = hn;
                double[] logits = new double[V];
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < V; v++) {
                    double o = p[q.bq + v];
                    for (int j = 0; j < H; j++) o += h[j] * p[q.whq + j * V + v];
                    logits[v] = o;
                    max = Math.max(max, o);
                }
                double sum = 0;
                for (double o : logits) sum += Math.exp(o - max);
                total += max + Math.log(sum) - logits[y[b * STEPS + t]];
            }
        }
        return total / (batch * STEPS);
    }

    static RnnModel randomModel(long seed) {
        List<String> tokens = List.of(Vocab.UNK, "a", "b", "c", "d");
        RnnModel m = new RnnModel(new RnnCell(), new Vocab(tokens), Tokenization.CHAR, H);
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

    @ParameterizedTest(name = "{0} batch={1} threads={2}")
    @MethodSource("cases")
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a stuck worker pool fails, not hangs
    void analyticGradientsMatchFiniteDifferences(Kernels kernels, int batch, int threads) {
        RnnModel model = randomModel(17);
        Random r = new Random(23);
        try (Trainer trainer = new Trainer(model, kernels, batch, STEPS, 1f, 1f, threads)) {
            // First from a zero state, then from the state the first minibatch left (carried, detached).
            for (int round = 0; round < 2; round++) {
                Minibatch mb = randomMinibatch(r, batch);
                float[] h0 = trainer.state().clone();
                if (round == 1) {
                    double norm = 0;
                    for (float v : h0) norm += Math.abs(v);
                    assertTrue(norm > 0.1, "the second minibatch starts from a non-zero carried state");
                }
                double analyticLoss = trainer.forwardBackward(mb);
                Params q = new Params(model);
                double ref = loss(q, q.p, batch, mb.x(), mb.y(), h0);
                assertEquals(ref, analyticLoss, 1e-5 * Math.abs(ref), "loss, round " + round);
                check(model, trainer.gradients(), q, batch, mb, h0, "round " + round);
            }
        }
    }

    static void check(RnnModel model, Slab grads, Params q, int batch, Minibatch mb, float[] h0, String what) {
        double[] p = q.p.clone();
        for (String name : NAMES) {
            int off = model.table().offset(name), n = model.table().spec(name).size();
            double[] numeric = new double[n];
            double maxAbs = 0;
            for (int i = 0; i < n; i++) {
                double saved = p[off + i];
                p[off + i] = saved + EPS;
                double plus = loss(q, p, batch, mb.x(), mb.y(), h0);
                p[off + i] = saved - EPS;
                double minus = loss(q, p, batch, mb.x(), mb.y(), h0);
                p[off + i] = saved;
                numeric[i] = (plus - minus) / (2 * EPS);
                maxAbs = Math.max(maxAbs, Math.abs(numeric[i]));
            }
            assertTrue(maxAbs > 1e-3, name + ": the check needs gradients that are not all ~0, max " + maxAbs);
            for (int i = 0; i < n; i++) {
                double analytic = grads.data()[grads.off(name) + i];
                double tol = RTOL * Math.abs(numeric[i]) + 1e-5 * maxAbs;
                assertEquals(numeric[i], analytic, tol, what + ": d loss / d " + name + "[" + i + "]");
            }
        }
    }
}
