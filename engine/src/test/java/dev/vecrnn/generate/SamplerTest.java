package dev.vecrnn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The sampler against its definition: softmax with temperature, top-k, the nucleus, the keyed draws. */
class SamplerTest {
    private static final int V = 28;

    private static float[] randomLogits(Random r, int n, float scale) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (r.nextGaussian() * scale);
        return l;
    }

    private static double[] softmax(float[] l, double t) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float x : l) max = Math.max(max, x);
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) sum += p[i] = Math.exp((l[i] - max) / t);
        for (int i = 0; i < l.length; i++) p[i] /= sum;
        return p;
    }

    private static int[] counts(Sampler s, float[] logits, int draws) {
        int[] c = new int[logits.length];
        for (int pos = 0; pos < draws; pos++) c[s.sample(logits, 0, 0, pos)]++;
        return c;
    }

    /** Each token's count within 4σ of its binomial expectation (σ at least 1, for rare tokens). */
    private static void assertMatches(double[] p, int[] c, int draws) {
        for (int i = 0; i < p.length; i++) {
            double mean = draws * p[i], sigma = Math.max(1, Math.sqrt(draws * p[i] * (1 - p[i])));
            assertTrue(Math.abs(c[i] - mean) <= 4 * sigma, "token " + i + ": " + c[i] + " draws, expected " + mean + " ± " + sigma);
        }
    }

    /** Tokens by decreasing logit, ties to the lower index: the order top-k and top-p cut. */
    private static List<Integer> ranking(float[] l) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < l.length; i++) idx.add(i);
        idx.sort(Comparator.<Integer>comparingDouble(i -> -l[i]).thenComparingInt(i -> i));
        return idx;
    }

    @Test
    void refusedOptionsNameTheOption() {
        for (double t : new double[] {-1, -1e-9, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(t, 0, 1, 0));
            assertTrue(e.getMessage().startsWith("temperature "), e.getMessage());
        }
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(1, -1, 1, 0));
        assertTrue(k.getMessage().startsWith("top-k "), k.getMessage());
        for (double p : new double[] {0, -0.5, 1.0000001, 2, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SamplingOptions(1, 0, p, 0));
            assertTrue(e.getMessage().startsWith("top-p "), e.getMessage());
        }
        new SamplingOptions(0, 0, 1, -5); // the edges that are allowed
        new SamplingOptions(1e-30, 1_000_000, Double.MIN_VALUE, Long.MIN_VALUE);
    }

    @Test
    void greedyIsTheFirstArgmax() {
        Sampler s = new Sampler(SamplingOptions.GREEDY, 5);
        assertEquals(2, s.sample(new float[] {1, 2, 3, 3, -1}, 0, 0, 0));
        assertEquals(3, s.sample(new float[] {9, 9, 1, 2, 3, 5, 0}, 2, 7, 99), "offsets into a (rows, vocab) buffer");
    }

    @Test
    void aVanishingTemperatureIsTheArgmax() {
        Random r = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            float[] l = randomLogits(r, V, 1f);
            int best = Sampler.argmax(l, 0, V);
            Sampler s = new Sampler(new SamplingOptions(1e-4, 0, 1, trial), V);
            for (int pos = 0; pos < 200; pos++) assertEquals(best, s.sample(l, 0, 0, pos));
        }
    }

    @Test
    void drawsFollowTheSoftmaxWithTemperature() {
        float[] l = randomLogits(new Random(5), V, 1.5f);
        int draws = 100_000;
        for (double t : new double[] {0.5, 1, 2}) {
            Sampler s = new Sampler(new SamplingOptions(t, 0, 1, 11), V);
            assertMatches(softmax(l, t), counts(s, l, draws), draws);
        }
    }

    @Test
    void topKKeepsExactlyKTokensAndRenormalises() {
        // ties at the cut: the lower index stays
        float[] l = {0, 1, 3, 1, 1, 2, 3, -1};
        for (int k = 1; k <= l.length; k++) {
            Sampler s = new Sampler(new SamplingOptions(1e6, k, 1, 1), l.length); // nearly uniform over the kept
            int[] c = counts(s, l, 5000);
            Set<Integer> drawn = new TreeSet<>(), kept = new TreeSet<>(ranking(l).subList(0, k));
            for (int i = 0; i < c.length; i++) if (c[i] > 0) drawn.add(i);
            assertEquals(kept, drawn, "top-" + k);
        }
        float[] r = randomLogits(new Random(9), V, 1f);
        int k = 5, draws = 100_000;
        double[] p = softmax(r, 1), expected = new double[V];
        double kept = 0;
        for (int i : ranking(r).subList(0, k)) kept += p[i];
        for (int i : ranking(r).subList(0, k)) expected[i] = p[i] / kept;
        assertMatches(expected, counts(new Sampler(new SamplingOptions(1, k, 1, 2), V), r, draws), draws);
    }

    @Test
    void topPKeepsTheSmallestSetThatReachesP() {
        double[] probs = {0.05, 0.5, 0.15, 0.3};
        float[] l = new float[probs.length];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.log(probs[i]);
        Object[][] cases = {{0.4, Set.of(1)}, {0.5 - 1e-6, Set.of(1)}, {0.75, Set.of(1, 3)}, {0.85, Set.of(1, 3, 2)},
                {0.99, Set.of(0, 1, 2, 3)}, {1.0, Set.of(0, 1, 2, 3)}};
        for (Object[] c : cases) {
            double p = (double) c[0];
            int[] counts = counts(new Sampler(new SamplingOptions(1, 0, p, 4), l.length), l, 20_000);
            Set<Integer> drawn = new TreeSet<>();
            for (int i = 0; i < counts.length; i++) if (counts[i] > 0) drawn.add(i);
            assertEquals(new TreeSet<>((Set<?>) c[1]), drawn, "top-p " + p);
        }
        // within the nucleus {1, 3}: 0.5 / 0.8 and 0.3 / 0.8
        int draws = 100_000;
        int[] c = counts(new Sampler(new SamplingOptions(1, 0, 0.75, 8), l.length), l, draws);
        assertMatches(new double[] {0, 0.625, 0, 0.375}, c, draws);
        // top-k first, then top-p of what is left: k = 2 keeps {1, 3}; p = 0.6 of 0.8 needs only token 1
        int[] both = counts(new Sampler(new SamplingOptions(1, 2, 0.6, 8), l.length), l, 5000);
        assertEquals(5000, both[1]);
    }

    @Test
    void drawsAreKeyedBySeedSampleAndPosition() {
        assertEquals(Sampler.uniform(1, 2, 3), Sampler.uniform(1, 2, 3));
        assertNotEquals(Sampler.uniform(1, 2, 3), Sampler.uniform(2, 2, 3));
        assertNotEquals(Sampler.uniform(1, 2, 3), Sampler.uniform(1, 3, 3));
        assertNotEquals(Sampler.uniform(1, 2, 3), Sampler.uniform(1, 2, 4));
        float[] l = randomLogits(new Random(2), V, 1f);
        Sampler s = new Sampler(new SamplingOptions(1, 0, 0.9, 42), V);
        int[] forward = new int[500];
        for (int pos = 0; pos < forward.length; pos++) forward[pos] = s.sample(l, 0, 3, pos);
        for (int pos = forward.length - 1; pos >= 0; pos--) {
            s.sample(l, 0, 1, pos); // another sample in between changes nothing
            assertEquals(forward[pos], s.sample(l, 0, 3, pos), "position " + pos + " in another order");
        }
        // the uniform draws themselves: mean 1/2, variance 1/12
        int n = 100_000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++) {
            double u = Sampler.uniform(7, i % 13, i / 13);
            assertTrue(u >= 0 && u < 1);
            sum += u;
            sq += u * u;
        }
        assertEquals(0.5, sum / n, 4 * Math.sqrt(1.0 / 12 / n));
        assertEquals(1.0 / 3, sq / n, 4 * Math.sqrt((1.0 / 5 - 1.0 / 9) / n));
    }

    @Test
    void nanLogitsAreNeverDrawn() {
        float[] l = {Float.NaN, 1, Float.NaN, 2, Float.NEGATIVE_INFINITY};
        for (SamplingOptions o : List.of(new SamplingOptions(1, 0, 1, 1), new SamplingOptions(1, 3, 1, 1),
                new SamplingOptions(1, 0, 0.99, 1))) {
            int[] c = counts(new Sampler(o, l.length), l, 2000);
            assertEquals(0, c[0] + c[2] + c[4], o.toString());
        }
    }
}
