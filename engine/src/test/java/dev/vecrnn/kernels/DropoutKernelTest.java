package dev.vecrnn.kernels;

import static dev.vecrnn.kernels.KernelsTest.assertGuardsIntact;
import static dev.vecrnn.kernels.KernelsTest.guarded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dropout kernel of every implementation against its definition ({@link DropoutHash#keep}) bit for bit, on
 * ragged lengths, offsets and in place; and the generator's statistics: the dropped fraction is p, and masks
 * of different steps, sequences, layers, time steps and units are independent.
 */
class DropoutKernelTest {
    private static final float SENTINEL = -12345.678f;

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void sameBitsAsTheDefinition(Kernels k, int n) {
        Random r = new Random(100 + n);
        for (float p : new float[] {0.1f, 0.5f, 0.93f}) {
            int key = r.nextInt(), threshold = DropoutHash.threshold(p);
            float scale = (float) (1.0 / (1.0 - p));
            int xo = 5, yo = 3;
            float[] x = guarded(r, xo, n, -2f, 2f, Float.NaN);
            float[] y = guarded(r, yo, n, 0f, 0f, SENTINEL);
            k.dropout(x, xo, y, yo, n, key, threshold, scale);
            assertGuardsIntact(y, yo, n, SENTINEL, k.name() + " dropout");
            float[] inPlace = x.clone();
            k.dropout(inPlace, xo, inPlace, xo, n, key, threshold, scale);
            for (int j = 0; j < n; j++) {
                float expected = DropoutHash.keep(key, j, threshold) ? x[xo + j] * scale : 0f;
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(y[yo + j])
                        || Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(inPlace[xo + j])) {
                    fail(k.name() + " p=" + p + " unit " + j + ": expected " + expected + ", got " + y[yo + j] + " and in place " + inPlace[xo + j]);
                }
            }
        }
    }

    /** The same key on the gradient in backward must drop the same units as in forward. */
    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void forwardAndBackwardMasksAgree(Kernels k, int n) {
        float[] ones = new float[n], grad = new float[n], out = new float[n];
        java.util.Arrays.fill(ones, 1f);
        java.util.Arrays.fill(grad, 3f);
        int key = 0x5eed + n, threshold = DropoutHash.threshold(0.4);
        k.dropout(ones, 0, out, 0, n, key, threshold, 2f);
        k.dropout(grad, 0, grad, 0, n, key, threshold, 2f);
        for (int j = 0; j < n; j++) assertEquals(out[j] * 3f, grad[j], k.name() + " unit " + j);
    }

    /** Over 10⁵ draws the dropped fraction lies within 4σ of p, σ = √(p(1 − p)/N). */
    @ParameterizedTest(name = "p={0}")
    @ValueSource(doubles = {0.05, 0.2, 0.5, 0.8, 0.97})
    void droppedFractionIsP(double p) {
        int threshold = DropoutHash.threshold(p), rows = 400, units = 250;
        long dropped = 0;
        for (int i = 0; i < rows; i++) {
            int key = DropoutHash.rowKey(42, 7, 1, i, 3);
            for (int j = 0; j < units; j++) if (!DropoutHash.keep(key, j, threshold)) dropped++;
        }
        double n = (double) rows * units, sigma = Math.sqrt(p * (1 - p) / n);
        assertEquals(p, dropped / n, 4 * sigma, "dropped " + dropped + " of " + (long) n);
    }

    /**
     * Changing any one coordinate of the key draws an independent mask: two masks of p = ½ agree on about half
     * the units (within 4σ over 10⁵ units), where a coordinate the key ignored would make them agree on all.
     */
    @Test
    void masksDifferBetweenStepsSequencesLayersAndTimeSteps() {
        long[][] variants = {
            {1, 5, 0, 3, 2},  // the base: seed, step, layer, sequence, t
            {2, 5, 0, 3, 2}, {1, 6, 0, 3, 2}, {1, 5, 1, 3, 2}, {1, 5, 0, 4, 2}, {1, 5, 0, 3, 3},
        };
        int threshold = DropoutHash.threshold(0.5);
        int units = 100_000;
        for (int v = 1; v < variants.length; v++) {
            int a = key(variants[0]), b = key(variants[v]);
            long agree = 0;
            for (int j = 0; j < units; j++) {
                if (DropoutHash.keep(a, j, threshold) == DropoutHash.keep(b, j, threshold)) agree++;
            }
            double sigma = Math.sqrt(0.25 / units);
            assertEquals(0.5, agree / (double) units, 4 * sigma, "variant " + v + " agrees with the base on " + agree);
        }
    }

    /** Neighbouring units and neighbouring rows are not correlated either (a weak mixer shows here first). */
    @Test
    void neighboursAreIndependent() {
        int threshold = DropoutHash.threshold(0.5), rows = 1000, units = 101;
        long sameNeighbour = 0, sameRowBelow = 0, pairs = 0;
        for (int i = 0; i < rows; i++) {
            int key = DropoutHash.rowKey(9, 0, 0, i / 35, i % 35), below = DropoutHash.rowKey(9, 0, 0, (i + 1) / 35, (i + 1) % 35);
            for (int j = 0; j + 1 < units; j++) {
                boolean kj = DropoutHash.keep(key, j, threshold);
                if (kj == DropoutHash.keep(key, j + 1, threshold)) sameNeighbour++;
                if (kj == DropoutHash.keep(below, j, threshold)) sameRowBelow++;
                pairs++;
            }
        }
        double sigma = Math.sqrt(0.25 / pairs);
        assertEquals(0.5, sameNeighbour / (double) pairs, 4 * sigma, "adjacent units");
        assertEquals(0.5, sameRowBelow / (double) pairs, 4 * sigma, "adjacent rows");
    }

    private static int key(long[] c) {
        return DropoutHash.rowKey(c[0], c[1], (int) c[2], c[3], (int) c[4]);
    }

    @Test
    void thresholdRefusesProbabilitiesOutsideZeroToOne() {
        assertEquals(0, DropoutHash.threshold(0));
        assertEquals(1 << 30, DropoutHash.threshold(0.5));
        assertTrue(DropoutHash.threshold(Math.nextDown(1.0)) == Integer.MAX_VALUE);
        for (double p : new double[] {-0.1, 1, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DropoutHash.threshold(p));
            assertTrue(e.getMessage().contains("at least 0 and below 1"), e.getMessage());
        }
    }

    /** p = 0 keeps every unit unscaled: the kernel is then the identity. */
    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#implAndLength")
    void zeroProbabilityKeepsEverything(Kernels k, int n) {
        Random r = new Random(n);
        float[] x = guarded(r, 0, n, -1f, 1f, Float.NaN), y = new float[n];
        k.dropout(x, 0, y, 0, n, r.nextInt(), 0, 1f);
        for (int j = 0; j < n; j++) assertEquals(x[j], y[j], 0f);
    }
}
