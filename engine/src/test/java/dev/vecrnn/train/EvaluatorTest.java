package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Stream evaluation against a plain double-precision re-implementation of the tanh RNN on a hand-set model. */
class EvaluatorTest {
    static final int HIDDEN = 2, VOCAB = 3;

    // Row-major, d2l's shapes: W_xh (vocab, hidden), W_hh (hidden, hidden), b_h, W_hq (hidden, vocab), b_q.
    static final float[] W_XH = {0.5f, -1.0f, 1.5f, 0.25f, -0.75f, 2.0f};
    static final float[] W_HH = {0.9f, -0.6f, 0.4f, 0.8f};
    static final float[] B_H = {0.1f, -0.2f};
    static final float[] W_HQ = {2.0f, -1.0f, 0.5f, -1.5f, 3.0f, 0.25f};
    static final float[] B_Q = {0.3f, 0.0f, -0.4f};

    // 23 tokens: 3 streams of 7 (the last 2 tokens dropped), 6 predictions each, in windows of 4 and 2 at steps 4.
    static final int[] IDS = {1, 2, 2, 0, 1, 1, 2, 0, 0, 2, 1, 2, 1, 0, 2, 2, 2, 1, 0, 1, 2, 1, 1};

    static List<Kernels> kernels() {
        return KernelProvider.available();
    }

    static RnnModel model(float[] wHq, float[] bQ) {
        RnnModel m = new RnnModel(new RnnCell(), new Vocab(List.of(Vocab.UNK, "a", "b")), Tokenization.CHAR, HIDDEN);
        m.setTensor("W_xh", W_XH);
        m.setTensor("W_hh", W_HH);
        m.setTensor("b_h", B_H);
        m.setTensor("W_hq", wHq);
        m.setTensor("b_q", bQ);
        return m;
    }

    /**
     * Mean nats per prediction, in double: {@code batch} streams of {@code ids.length / batch} tokens, the state
     * carried through each stream, or reset every {@code resetEvery} inputs (to show what carrying changes).
     */
    static double reference(int[] ids, int batch, int resetEvery) {
        int length = ids.length / batch;
        double sum = 0;
        for (int b = 0; b < batch; b++) {
            double[] h = new double[HIDDEN];
            for (int t = 0; t < length - 1; t++) {
                if (t % resetEvery == 0) h = new double[HIDDEN];
                int in = ids[b * length + t], target = ids[b * length + t + 1];
                double[] next = new double[HIDDEN];
                for (int j = 0; j < HIDDEN; j++) {
                    double z = W_XH[in * HIDDEN + j] + B_H[j];
                    for (int i = 0; i < HIDDEN; i++) z += h[i] * W_HH[i * HIDDEN + j];
                    next[j] = Math.tanh(z);
                }
                h = next;
                double[] logits = new double[VOCAB];
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < VOCAB; v++) {
                    logits[v] = B_Q[v];
                    for (int i = 0; i < HIDDEN; i++) logits[v] += h[i] * W_HQ[i * VOCAB + v];
                    max = Math.max(max, logits[v]);
                }
                double z = 0;
                for (double l : logits) z += Math.exp(l - max);
                sum += Math.log(z) + max - logits[target];
            }
        }
        return sum / (batch * (length - 1));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void matchesAPlainDoublePrecisionRnnWithTheStateCarriedAcrossWindows(Kernels k) {
        Evaluator.Result r = new Evaluator(model(W_HQ, B_Q), k, 3, 4).evaluate(IDS);
        double expected = reference(IDS, 3, Integer.MAX_VALUE);
        assertEquals(expected, r.nats(), 1e-5 * expected, k.name());
        assertEquals(18, r.tokens(), "3 streams of 7 tokens, 6 predictions each");
        assertEquals(Math.exp(r.nats()), r.perplexity(), 1e-12);
        assertEquals(r.nats() / Math.log(2), r.bits(), 1e-12);
        assertTrue(r.seconds() >= 0);
        // The check can tell a state reset per window from a carried state: they differ by far more than the tolerance.
        assertTrue(Math.abs(reference(IDS, 3, 4) - expected) > 100 * 1e-5 * expected, "the hand-set W_hh matters");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void windowLengthDoesNotChangeTheResultButStreamCountDoes(Kernels k) {
        RnnModel m = model(W_HQ, B_Q);
        double four = new Evaluator(m, k, 3, 4).evaluate(IDS).nats();
        for (int steps : new int[] {1, 2, 5, 6, 100}) {
            assertEquals(four, new Evaluator(m, k, 3, steps).evaluate(IDS).nats(), 1e-6, "steps " + steps);
        }
        Evaluator.Result one = new Evaluator(m, k, 1, 4).evaluate(IDS);
        assertEquals(22, one.tokens());
        assertEquals(reference(IDS, 1, Integer.MAX_VALUE), one.nats(), 1e-5);
        Evaluator.Result five = new Evaluator(m, k, 5, 4).evaluate(IDS);
        assertEquals(5 * 3, five.tokens(), "5 streams of 4 tokens, 3 dropped");
        assertEquals(reference(IDS, 5, Integer.MAX_VALUE), five.nats(), 1e-5);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void theDroppedRemainderIsNotReadAndRepeatedCallsAgree(Kernels k) {
        Evaluator e = new Evaluator(model(W_HQ, B_Q), k, 3, 4);
        Evaluator.Result first = e.evaluate(IDS);
        int[] other = IDS.clone();
        other[21] = 0; // in the 2 dropped tokens
        other[22] = 2;
        assertEquals(first.nats(), e.evaluate(other).nats(), 0.0);
        assertEquals(first.nats(), e.evaluate(IDS).nats(), 0.0, "the state starts from zero on every call");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void aZeroOutputLayerGivesLnVNatsPerToken(Kernels k) {
        RnnModel m = model(new float[HIDDEN * VOCAB], new float[VOCAB]);
        Evaluator.Result r = new Evaluator(m, k, 3, 4).evaluate(IDS);
        // Every row's loss is exactly log(3); only the summation of 18 of them can round, in the last bits.
        assertEquals(Math.log(VOCAB), r.nats(), 1e-15);
        assertEquals(VOCAB, r.perplexity(), 1e-13);
        assertEquals(Math.log(VOCAB) / Math.log(2), r.bits(), 1e-15);
    }

    @Test
    void largerRandomModelAgreesAcrossKernels() {
        RnnModel m = new RnnModel(new RnnCell(), new Vocab(List.of(Vocab.UNK, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
                "k", "l", "m", "n", "o", "p", "q", "r")), Tokenization.CHAR, 37);
        m.initialize(new Random(3));
        float[] wHh = m.tensor("W_hh");
        for (int i = 0; i < wHh.length; i++) wHh[i] *= 30; // a recurrence that carries information
        m.setTensor("W_hh", wHh);
        int[] ids = new int[1000];
        Random r = new Random(5);
        for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(19);
        List<Kernels> ks = kernels();
        double scalar = new Evaluator(m, ks.get(0), 17, 35).evaluate(ids).nats();
        assertEquals(Math.log(19), scalar, 0.05, "a barely trained model is close to uniform");
        for (Kernels k : ks) assertEquals(scalar, new Evaluator(m, k, 17, 35).evaluate(ids).nats(), 1e-5, k.name());
    }

    @Test
    void tooFewTokensForTheStreamsAreRefused() {
        Evaluator e = new Evaluator(model(W_HQ, B_Q), KernelProvider.scalar(), 4, 3);
        assertEquals(8, Evaluator.minTokens(4));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.evaluate(new int[7]));
        assertTrue(ex.getMessage().contains("at least 8"), ex.getMessage());
        assertEquals(4, e.evaluate(new int[8]).tokens(), "4 streams of 2 tokens: one prediction each");
        assertThrows(IllegalArgumentException.class, () -> new Evaluator(model(W_HQ, B_Q), KernelProvider.scalar(), 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new Evaluator(model(W_HQ, B_Q), KernelProvider.scalar(), 2, 0));
    }
}
