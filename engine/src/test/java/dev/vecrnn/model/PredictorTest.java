package dev.vecrnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** d2l's predict_ch8: warm up on the prefix from a zero state, then greedy argmax. */
class PredictorTest {
    static final List<String> ABC = List.of(Vocab.UNK, "a", "b", "c");

    static List<Kernels> kernels() {
        return KernelProvider.available();
    }

    static void set(RnnModel m, String name, int row, int col, float v) {
        float[] t = m.tensor(name);
        int cols = m.table().spec(name).shape()[1];
        t[row * cols + col] = v;
        m.setTensor(name, t);
    }

    /**
     * A model whose hidden state is (nearly) the one-hot of the last input, and whose output layer maps
     * token i to {@code next[i]}: it predicts {@code next} of the last token it was fed.
     */
    static RnnModel successorModel(int[] next) {
        RnnModel m = new RnnModel(new RnnCell(), new Vocab(ABC), Tokenization.CHAR, ABC.size());
        for (int i = 0; i < ABC.size(); i++) {
            set(m, "W_xh", i, i, 3f);
            set(m, "W_hq", i, next[i], 10f);
        }
        return m;
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void warmsUpOnThePrefixThenFollowsItsOwnPredictions(Kernels k) {
        // <unk> -> a, a -> b, b -> c, c -> a
        Predictor p = new Predictor(successorModel(new int[] {1, 2, 3, 1}), k);
        assertEquals("abcab", p.predict("ab", 3));
        assertEquals("cab", p.predict("c", 2));
        assertEquals("bbcabc", p.predict("bb", 4));
        // The last prefix token decides: the earlier ones are only warm-up.
        assertEquals("cab", p.predict("ca", 1));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void unknownPrefixCharactersMapToUnk(Kernels k) {
        Predictor p = new Predictor(successorModel(new int[] {1, 2, 3, 1}), k);
        assertEquals("<unk>ab", p.predict("z", 2));
        assertEquals("a<unk>ab", p.predict("aZ", 2));
        assertEquals("<unk>", p.predict("?", 0));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void aStrongOutputBiasIsAppended(Kernels k) {
        RnnModel m = randomModel(new Random(4), Tokenization.CHAR, ABC, 6, 0.3);
        float[] bq = m.tensor("b_q");
        bq[3] = 50f;
        m.setTensor("b_q", bq);
        Predictor p = new Predictor(m, k);
        assertEquals("abcccccc", p.predict("ab", 6));
        assertEquals("ccccc", p.predict("c", 4));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void zeroPredictionsReturnThePrefix(Kernels k) {
        Predictor p = new Predictor(randomModel(new Random(1), Tokenization.CHAR, ABC, 5, 1), k);
        assertEquals("abcab", p.predict("abcab", 0));
        assertEquals("a", p.predict("a", 0));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void emptyPrefixOrNegativeCountIsRefused(Kernels k) {
        Predictor p = new Predictor(randomModel(new Random(1), Tokenization.CHAR, ABC, 5, 1), k);
        assertThrows(IllegalArgumentException.class, () -> p.predict("", 5));
        assertThrows(IllegalArgumentException.class, () -> p.predict("a", -1));
        Predictor w = new Predictor(randomModel(new Random(1), Tokenization.WORD, List.of(Vocab.UNK, "the", "time"), 5, 1), k);
        assertThrows(IllegalArgumentException.class, () -> w.predict("   ", 5));
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void wordModelsJoinWithSpaces(Kernels k) {
        List<String> words = List.of(Vocab.UNK, "the", "time", "machine");
        RnnModel m = randomModel(new Random(2), Tokenization.WORD, words, 4, 0.3);
        float[] bq = m.tensor("b_q");
        bq[3] = 50f;
        m.setTensor("b_q", bq);
        assertEquals("the time machine machine", new Predictor(m, k).predict("the  time", 2));
    }

    static RnnModel randomModel(Random r, Tokenization tok, List<String> tokens, int hidden, double sd) {
        RnnModel m = new RnnModel(new RnnCell(), new Vocab(tokens), tok, hidden);
        float[] p = m.params().data();
        for (int i = 0; i < m.table().size(); i++) p[m.params().base() + i] = (float) (r.nextGaussian() * sd);
        return m;
    }

    /** An independent double-precision predict_ch8. */
    static String reference(RnnModel m, String prefix, int numPreds) {
        int v = m.vocab().size(), h = m.hidden();
        float[] wxh = m.tensor("W_xh"), whh = m.tensor("W_hh"), bh = m.tensor("b_h"), whq = m.tensor("W_hq"), bq = m.tensor("b_q");
        double[] state = new double[h];
        List<Integer> out = new ArrayList<>();
        out.add(m.vocab().index(prefix.substring(0, 1)));
        int steps = prefix.length() - 1 + numPreds;
        for (int s = 0; s < steps; s++) {
            int x = out.get(out.size() - 1);
            double[] next = new double[h];
            for (int j = 0; j < h; j++) {
                double z = wxh[x * h + j] + bh[j];
                for (int i = 0; i < h; i++) z += state[i] * whh[i * h + j];
                next[j] = Math.tanh(z);
            }
            state = next;
            if (s < prefix.length() - 1) {
                out.add(m.vocab().index(prefix.substring(s + 1, s + 2)));
                continue;
            }
            int best = 0;
            double bestLogit = Double.NEGATIVE_INFINITY;
            for (int o = 0; o < v; o++) {
                double y = bq[o];
                for (int j = 0; j < h; j++) y += state[j] * whq[j * v + o];
                if (y > bestLogit) {
                    bestLogit = y;
                    best = o;
                }
            }
            out.add(best);
        }
        StringBuilder sb = new StringBuilder();
        for (int id : out) sb.append(m.vocab().token(id));
        return sb.toString();
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void matchesAnIndependentReferenceOnRandomModels(Kernels k) {
        List<String> tokens = List.of(Vocab.UNK, " ", "e", "t", "a", "i", "n", "o", "s", "h");
        Random r = new Random(99);
        int distinct = 0;
        for (int trial = 0; trial < 20; trial++) {
            RnnModel m = randomModel(r, Tokenization.CHAR, tokens, 8 + trial, 1.0);
            Predictor p = new Predictor(m, k);
            for (String prefix : List.of("t", "the tin", "xes at")) {
                String got = p.predict(prefix, 15);
                assertEquals(reference(m, prefix, 15), got, "trial " + trial + " prefix '" + prefix + "'");
                if (!got.substring(got.length() - 15).chars().allMatch(c -> c == got.charAt(got.length() - 1))) distinct++;
            }
        }
        assertTrue(distinct > 10, "the random models should not all predict one repeated character");
    }
}
