package dev.vecrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The scalar approximations in {@link FastMath} against {@link Math}, and the vector kernels against these
 * scalar twins.
 */
class FastMathTest {

    /** Every 1e-4 in [lo, hi], then every {@code stride}-th float (by bit pattern) of either sign up to {@code max}. */
    static float[] sweep(double lo, double hi, double step, float max, int stride) {
        int dense = (int) Math.round((hi - lo) / step) + 1;
        int maxBits = Float.floatToRawIntBits(max);
        int sparse = maxBits / stride + 1;
        float[] x = new float[dense + 2 * sparse];
        int n = 0;
        for (int i = 0; i < dense; i++) x[n++] = (float) (lo + i * step);
        for (int bits = 0; bits <= maxBits; bits += stride) {
            float v = Float.intBitsToFloat(bits);
            if (v >= lo && v <= hi) x[n++] = v;
            if (-v >= lo && -v <= hi) x[n++] = -v;
        }
        return java.util.Arrays.copyOf(x, n);
    }

    static final float[] TANH_X = sweep(-10, 10, 1e-4, 10f, 101);
    static final float[] EXP_X = sweep(-87, 88, 1e-4, 88f, 101);

    @Test
    void tanhAbsoluteErrorBelow4e7() {
        double worst = 0;
        float at = 0;
        for (float x : TANH_X) {
            double e = Math.abs(FastMath.tanh(x) - Math.tanh(x));
            if (!(e <= worst)) { worst = e; at = x; }
        }
        assertTrue(TANH_X.length > 1_000_000, "sweep too short: " + TANH_X.length);
        assertTrue(worst < 4e-7, "max |FastMath.tanh - Math.tanh| = " + worst + " at x = " + at);
    }

    @Test
    void tanhSpecialValues() {
        assertEquals(1.0, FastMath.tanh(Float.POSITIVE_INFINITY), 4e-7);
        assertEquals(-1.0, FastMath.tanh(Float.NEGATIVE_INFINITY), 4e-7);
        assertEquals(1.0, FastMath.tanh(Float.MAX_VALUE), 4e-7);
        assertTrue(Float.isNaN(FastMath.tanh(Float.NaN)), "tanh(NaN) must be NaN");
        assertEquals(0f, FastMath.tanh(0f));
        assertEquals(1e-30f, FastMath.tanh(1e-30f), 1e-37f);
        // odd, and bounded by 1
        for (float x : new float[] {1e-3f, 0.5f, 1f, 3f, 7.9f, 8f, 20f}) {
            assertEquals(-FastMath.tanh(x), FastMath.tanh(-x), 0f, "odd at " + x);
            assertTrue(Math.abs(FastMath.tanh(x)) <= 1.0000001f, "bounded at " + x);
        }
    }

    @Test
    void expRelativeErrorBelow3e7() {
        double worst = 0;
        float at = 0;
        for (float x : EXP_X) {
            double ref = Math.exp(x);
            double e = Math.abs(FastMath.exp(x) - ref) / ref;
            if (!(e <= worst)) { worst = e; at = x; }
        }
        assertTrue(EXP_X.length > 1_000_000, "sweep too short: " + EXP_X.length);
        assertTrue(worst < 3e-7, "max relative error of FastMath.exp = " + worst + " at x = " + at);
    }

    @Test
    void expSpecialValues() {
        assertEquals(1f, FastMath.exp(0f), 0f);
        assertTrue(Float.isNaN(FastMath.exp(Float.NaN)), "exp(NaN) must be NaN");
        float lo = FastMath.exp(Float.NEGATIVE_INFINITY);
        assertTrue(lo >= 0f && lo < 1.3e-38f, "exp(-inf) saturates near 0, got " + lo);
        float hi = FastMath.exp(Float.POSITIVE_INFINITY);
        assertTrue(hi > 1e38f && !Float.isInfinite(hi), "exp(+inf) saturates at exp(88.37), got " + hi);
    }

    /** Every {@code step} in [-20, 20], then every {@code stride}-th float (by bit pattern) of either sign up to 20, streamed. */
    static void sigmoidSweep(double step, int stride, java.util.function.DoubleConsumer each) {
        int dense = (int) Math.round(40 / step) + 1;
        for (int i = 0; i < dense; i++) each.accept((float) (-20 + i * step));
        for (int bits = 0, max = Float.floatToRawIntBits(20f); bits <= max; bits += stride) {
            float v = Float.intBitsToFloat(bits);
            each.accept(v);
            each.accept(-v);
        }
    }

    /**
     * Measured once over every float in [-20, 20] (2.2e9 of them): maximum 1.691e-7, at x = 8.003398; this
     * sweep of 25.8M points finds 1.669e-7, at x = 10.46422. The values stay within [0, 1] (they reach 1.0 from
     * x ≈ 15.78 on, as float32's own σ does a little later), so the backward's σ(1 − σ) is never negative.
     */
    @Test
    void sigmoidAbsoluteErrorBelow2e7() {
        double[] worst = {0, 0};
        long[] count = {0};
        sigmoidSweep(1e-5, 101, xd -> {
            float x = (float) xd;
            float s = FastMath.sigmoid(x);
            double e = Math.abs(s - 1 / (1 + Math.exp(-xd)));
            if (!(e <= worst[0])) {
                worst[0] = e;
                worst[1] = x;
            }
            if (!(s >= 0f && s <= 1f)) fail("sigmoid(" + x + ") = " + s + " is outside [0, 1]");
            count[0]++;
        });
        assertTrue(count[0] > 20_000_000, "sweep too short: " + count[0]);
        assertTrue(worst[0] < 2e-7, "max |FastMath.sigmoid - 1/(1+exp(-x))| = " + worst[0] + " at x = " + worst[1]);
    }

    @Test
    void sigmoidSpecialValues() {
        assertEquals(0.5f, FastMath.sigmoid(0f), 0f);
        assertEquals(0.5f, FastMath.sigmoid(-0f), 0f);
        assertTrue(Float.isNaN(FastMath.sigmoid(Float.NaN)), "sigmoid(NaN) must be NaN");
        assertEquals(1.0, FastMath.sigmoid(Float.POSITIVE_INFINITY), 2e-7);
        assertEquals(0.0, FastMath.sigmoid(Float.NEGATIVE_INFINITY), 2e-7);
        for (float x : new float[] {1e-3f, 0.5f, 1f, 3f, 8f, 15.8f, 16f, 40f}) {
            // σ(−x) = 1 − σ(x) to an ulp of 1, since tanh is odd
            assertEquals(1.0, (double) FastMath.sigmoid(x) + FastMath.sigmoid(-x), 0x1p-23, "symmetry at " + x);
        }
    }

    // ---- the vector kernels against the scalar twins ---------------------------------------------

    static Kernels vector() {
        Kernels v = null;
        for (Kernels k : KernelProvider.available()) if (k.lanes() > 1) v = k;
        assertTrue(v != null, "vector kernels unavailable; run with --add-modules jdk.incubator.vector");
        return v;
    }

    static void assertWithinUlps(float expected, float actual, int ulps, String what) {
        if (Float.isNaN(expected) && Float.isNaN(actual)) return;
        float tol = ulps * Math.ulp(expected);
        if (!(Math.abs(expected - actual) <= tol)) fail(what + ": expected " + expected + " got " + actual);
    }

    @Test
    void vectorTanhMatchesScalarTwinThroughTanhForward() {
        Kernels v = vector();
        int n = TANH_X.length + 7;
        float[] z = new float[n];
        System.arraycopy(TANH_X, 0, z, 0, TANH_X.length);
        float[] specials = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0f, -0f, 100f, -100f};
        System.arraycopy(specials, 0, z, TANH_X.length, specials.length);
        float[] zeros = new float[n];
        float[] h = new float[n];
        v.tanhForward(z, 0, zeros, 0, zeros, 0, h, 0, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float twin = FastMath.tanh(z[i] + 0f + 0f);
            assertWithinUlps(twin, h[i], 1, v.name() + " tanh(" + z[i] + ")");
            if (!Float.isNaN(z[i])) worst = Math.max(worst, Math.abs(h[i] - Math.tanh(z[i])));
        }
        assertTrue(Float.isNaN(h[TANH_X.length + 2]), "vector tanh(NaN) must be NaN");
        assertTrue(worst < 4e-7, v.name() + " tanh max abs error " + worst);
    }

    @Test
    void vectorExpMatchesScalarTwinDirectly() {
        int lanes = VectorKernels.F.length();
        int n = (EXP_X.length + 3) / lanes * lanes + lanes;
        float[] x = new float[n];
        System.arraycopy(EXP_X, 0, x, 0, EXP_X.length);
        x[n - 1] = Float.NaN;
        x[n - 2] = Float.NEGATIVE_INFINITY;
        x[n - 3] = Float.POSITIVE_INFINITY;
        float[] y = new float[n];
        for (int i = 0; i < n; i += lanes) {
            VectorSoftmax.exp(FloatVector.fromArray(VectorKernels.F, x, i)).intoArray(y, i);
        }
        for (int i = 0; i < n; i++) assertWithinUlps(FastMath.exp(x[i]), y[i], 1, "vector exp(" + x[i] + ")");
        assertTrue(Float.isNaN(y[n - 1]), "vector exp(NaN) must be NaN");
    }

    /**
     * The gates' σ in the vector kernels, through {@code gruGates} (whose z and r blocks are σ of their inputs
     * when u = b = 0), within two ulps of the scalar twin. Through a kernel because its loop compiles at once;
     * called lane by lane from here, the Vector API runs interpreted for seconds.
     */
    @Test
    void vectorSigmoidMatchesScalarTwinThroughGruGates() {
        Kernels v = vector();
        float[] sweep = new float[2_700_000];
        int[] count = {0};
        sigmoidSweep(1e-4, 1009, x -> sweep[count[0]++] = (float) x);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 100f, -100f};
        float[] x = java.util.Arrays.copyOf(sweep, count[0] + specials.length);
        System.arraycopy(specials, 0, x, count[0], specials.length);
        // rows of 2·n inputs, the z and r blocks of one gruGates call; many short calls compile sooner than one long one
        int n = 509, rows = (x.length + 2 * n - 1) / (2 * n);
        float[] g = new float[rows * 3 * n];
        for (int row = 0; row < rows; row++) {
            int from = row * 2 * n, len = Math.min(2 * n, x.length - from);
            System.arraycopy(x, from, g, row * 3 * n, len);
        }
        float[] zeros = new float[3 * n], ones = new float[n], rh = new float[n];
        java.util.Arrays.fill(ones, 1f);
        for (int row = 0; row < rows; row++) v.gruGates(g, row * 3 * n, zeros, 0, zeros, 0, ones, 0, rh, 0, n);
        for (int i = 0; i < x.length; i++) {
            float got = g[i / (2 * n) * 3 * n + i % (2 * n)];
            assertWithinUlps(FastMath.sigmoid(x[i] + 0f + 0f), got, 2, v.name() + " sigmoid(" + x[i] + ")");
        }
        assertTrue(Float.isNaN(g[count[0] / (2 * n) * 3 * n + count[0] % (2 * n)]), "vector sigmoid(NaN) must be NaN");
        assertTrue(count[0] > 2_000_000, "sweep too short: " + count[0]);
    }

    @Test
    void vectorExpMatchesScalarTwinThroughSoftmax() {
        Kernels v = vector();
        // each row: a 0 (the max and the target) followed by cols-1 values in [-80, 0]
        int cols = 3 * v.lanes() + 5, rows = 2000;
        float[] logits = new float[rows * cols];
        int[] targets = new int[rows];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < rows; i++) {
            for (int j = 1; j < cols; j++) logits[i * cols + j] = -80f * r.nextFloat();
            logits[i * cols + (i % 7)] = -80f * (i % 13) / 13f; // sweep some rows deterministically
            logits[i * cols] = 0f;
        }
        float scale = 0.5f;
        float[] grad = new float[rows * cols];
        double loss = v.softmaxCrossEntropy(logits, 0, rows, cols, targets, 0, scale, grad, 0);
        double lossRef = 0;
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += FastMath.exp(logits[i * cols + j]);
            lossRef += Math.log(sum);
            for (int j = 1; j < cols; j++) {
                double expected = FastMath.exp(logits[i * cols + j]) * (scale / sum);
                double got = grad[i * cols + j];
                if (!(Math.abs(got - expected) <= 1e-6 * expected)) {
                    fail(v.name() + " softmax grad row " + i + " col " + j + " (x = " + logits[i * cols + j]
                            + "): expected " + expected + " got " + got);
                }
            }
            double g0 = FastMath.exp(0f) * (scale / sum) - scale;
            assertEquals(g0, grad[i * cols], 1e-6 * scale, "target gradient row " + i);
        }
        assertEquals(lossRef, loss, 1e-6 * Math.abs(lossRef) + 1e-6, "loss");
    }
}
