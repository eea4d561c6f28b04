package dev.vecrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every elementwise, reduction and optimiser kernel of every implementation in {@link KernelProvider#available()}
 * against {@link ScalarKernels} or a double-precision reference, on ragged lengths and non-zero offsets (the GEMM
 * is in {@link GemmKernelsTest}, the gates in {@link GateKernelsTest}).
 *
 * <p>Padding and guard regions of the inputs hold NaN, so a kernel that reads outside its operands poisons
 * its result; the guard regions of the outputs hold a sentinel, so a kernel that writes outside its output
 * is caught too.
 */
class KernelsTest {

    static final float SENTINEL = -12345.678f;

    static List<Kernels> impls() {
        return KernelProvider.available();
    }

    /** The vector module is on the test path (root pom), so both implementations must be present. */
    @Test
    void vectorImplementationIsTested() {
        assertTrue(KernelProvider.vectorModulePresent(), "tests must run with --add-modules jdk.incubator.vector");
        assertEquals(2, impls().size(), "expected scalar and vector kernels, got " + impls());
        assertTrue(impls().get(1).lanes() > 1, "vector kernels report " + impls().get(1).lanes() + " lanes");
    }

    /** Ragged lengths around every implementation's lane count, small and large primes, and 4098. */
    static int[] lengths() {
        TreeSet<Integer> s = new TreeSet<>(List.of(0, 1, 2, 3, 5, 7, 11, 13, 31, 61, 127, 207, 257, 1021, 4093, 4098));
        for (Kernels k : impls()) {
            int l = k.lanes();
            for (int d : new int[] {l - 1, l, l + 1, 2 * l - 1, 2 * l + 1, 4 * l + 3}) if (d >= 0) s.add(d);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** Test names show {@code scalar} / {@code vector-512} rather than an object id. */
    static Named<Kernels> named(Kernels k) {
        return Named.of(k.name(), k);
    }

    /** An array of {@code off + n + guard} floats: NaN guards, uniform values in [lo, hi) in {@code [off, off+n)}. */
    static float[] guarded(Random r, int off, int n, float lo, float hi, float guard) {
        float[] x = new float[off + n + 37];
        java.util.Arrays.fill(x, guard);
        for (int i = 0; i < n; i++) x[off + i] = lo + (hi - lo) * r.nextFloat();
        return x;
    }

    static void assertGuardsIntact(float[] x, int off, int n, float guard, String what) {
        for (int i = 0; i < x.length; i++) {
            if (i >= off && i < off + n) continue;
            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(guard)) {
                fail(what + ": wrote outside its range at index " + i + " (range " + off + ".." + (off + n) + ")");
            }
        }
    }

    static void assertClose(float[] expected, int eOff, float[] actual, int aOff, int n, double absTol, double relTol,
                            String what) {
        for (int i = 0; i < n; i++) {
            float e = expected[eOff + i], a = actual[aOff + i];
            double tol = absTol + relTol * Math.abs(e);
            if (!(Math.abs(e - a) <= tol)) { // also fails on NaN
                fail(what + ": index " + i + " expected " + e + " got " + a + " (|diff| " + Math.abs(e - a)
                        + " > tol " + tol + ")");
            }
        }
    }

    // ---- elementwise kernels -----------------------------------------------------------------------

    static Stream<Arguments> implAndLength() {
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : impls()) for (int n : lengths()) out.add(Arguments.of(named(k), n));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implAndLength")
    void tanhForward(Kernels k, int n) {
        Random r = new Random(1000 + n);
        int zo = 3, uo = 7, bo = 1, ho = 5;
        float[] z = guarded(r, zo, n, -4f, 4f, Float.NaN);
        float[] u = guarded(r, uo, n, -3f, 3f, Float.NaN);
        float[] b = guarded(r, bo, n, -2f, 2f, Float.NaN);
        float[] h = guarded(r, ho, n, 0f, 0f, SENTINEL);
        float[] ref = new float[n];
        new ScalarKernels().tanhForward(z, zo, u, uo, b, bo, ref, 0, n);
        k.tanhForward(z, zo, u, uo, b, bo, h, ho, n);
        assertClose(ref, 0, h, ho, n, 2e-7, 0, k.name() + " tanhForward");
        assertGuardsIntact(h, ho, n, SENTINEL, "tanhForward");
        for (int i = 0; i < n; i++) {
            float s = z[zo + i] + u[uo + i] + b[bo + i]; // the kernel sums in float, then takes tanh
            assertEquals(Math.tanh(s), h[ho + i], 4e-7, "tanhForward vs Math.tanh at " + i);
        }
        // h aliasing z, as the engine does
        float[] zz = z.clone();
        k.tanhForward(zz, zo, u, uo, b, bo, zz, zo, n);
        assertClose(ref, 0, zz, zo, n, 2e-7, 0, k.name() + " tanhForward in place");
        assertGuardsIntact(zz, zo, n, Float.NaN, "tanhForward in place");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implAndLength")
    void tanhBackward(Kernels k, int n) {
        Random r = new Random(2000 + n);
        int ho = 2, d1o = 9, d2o = 0, dzo = 4;
        float[] h = guarded(r, ho, n, -1f, 1f, Float.NaN);
        float[] d1 = guarded(r, d1o, n, -2f, 2f, Float.NaN);
        float[] d2 = guarded(r, d2o, n, -2f, 2f, Float.NaN);
        float[] dz = guarded(r, dzo, n, 0f, 0f, SENTINEL);
        float[] ref = new float[n];
        for (int i = 0; i < n; i++) {
            double y = h[ho + i];
            ref[i] = (float) (((double) d1[d1o + i] + d2[d2o + i]) * (1 - y * y));
        }
        k.tanhBackward(h, ho, d1, d1o, d2, d2o, dz, dzo, n);
        assertClose(ref, 0, dz, dzo, n, 1e-6, 1e-6, k.name() + " tanhBackward");
        assertGuardsIntact(dz, dzo, n, SENTINEL, "tanhBackward");
        // dz aliasing dh1 and dh2
        float[] a1 = d1.clone();
        k.tanhBackward(h, ho, a1, d1o, d2, d2o, a1, d1o, n);
        assertClose(ref, 0, a1, d1o, n, 1e-6, 1e-6, k.name() + " tanhBackward dz=dh1");
        float[] a2 = d2.clone();
        k.tanhBackward(h, ho, d1, d1o, a2, d2o, a2, d2o, n);
        assertClose(ref, 0, a2, d2o, n, 1e-6, 1e-6, k.name() + " tanhBackward dz=dh2");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implAndLength")
    void sumOfSquares(Kernels k, int n) {
        Random r = new Random(3000 + n);
        int off = 11;
        float[] x = guarded(r, off, n, -3f, 3f, Float.NaN);
        double exact = 0;
        for (int i = 0; i < n; i++) exact += (double) x[off + i] * x[off + i];
        double got = k.sumOfSquares(x, off, n);
        // float accumulation: error grows like sqrt(n)·eps·sum for random data; 1e-6·sqrt(n) leaves ~10x headroom
        double tol = 1e-6 * Math.sqrt(Math.max(1, n)) * exact + 1e-30;
        assertEquals(exact, got, tol, k.name() + " sumOfSquares n=" + n);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implAndLength")
    void axpy(Kernels k, int n) {
        Random r = new Random(4000 + n);
        int xo = 6, yo = 13;
        float alpha = -0.37f;
        float[] x = guarded(r, xo, n, -2f, 2f, Float.NaN);
        float[] y = guarded(r, yo, n, -2f, 2f, SENTINEL);
        float[] ref = new float[n];
        for (int i = 0; i < n; i++) ref[i] = (float) ((double) alpha * x[xo + i] + y[yo + i]);
        k.axpy(alpha, x, xo, y, yo, n);
        assertClose(ref, 0, y, yo, n, 0, 2.4e-7, k.name() + " axpy");
        assertGuardsIntact(y, yo, n, SENTINEL, "axpy");
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implAndLength")
    void add(Kernels k, int n) {
        Random r = new Random(5000 + n);
        int xo = 1, yo = 8;
        float[] x = guarded(r, xo, n, -2f, 2f, Float.NaN);
        float[] y = guarded(r, yo, n, -2f, 2f, SENTINEL);
        float[] ref = new float[n];
        for (int i = 0; i < n; i++) ref[i] = x[xo + i] + y[yo + i]; // exactly rounded in float
        k.add(x, xo, y, yo, n);
        assertClose(ref, 0, y, yo, n, 0, 0, k.name() + " add");
        assertGuardsIntact(y, yo, n, SENTINEL, "add");
    }

    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("implAndLength")
    void columnSums(Kernels k, int cols) {
        for (int rows : new int[] {1, 7, 40}) {
            Random r = new Random(6000 + cols * 31 + rows);
            int ld = cols + 5, xo = 3, oo = 2;
            float[] x = guarded(r, xo, rows * ld, -1f, 1f, Float.NaN);
            for (int row = 0; row < rows; row++) for (int j = cols; j < ld; j++) x[xo + row * ld + j] = Float.NaN;
            float[] out = guarded(r, oo, cols, -1f, 1f, SENTINEL);
            float[] ref = new float[cols];
            for (int j = 0; j < cols; j++) {
                double s = out[oo + j];
                for (int row = 0; row < rows; row++) s += x[xo + row * ld + j];
                ref[j] = (float) s;
            }
            k.columnSums(x, xo, rows, cols, ld, out, oo);
            assertClose(ref, 0, out, oo, cols, 1e-6 * Math.sqrt(rows + 1), 0, k.name() + " columnSums rows=" + rows);
            assertGuardsIntact(out, oo, cols, SENTINEL, "columnSums");
        }
    }

    /**
     * Rows added into the rows their indices pick, with repeats and a large index: the same bits as the scalar
     * twin (each element adds its rows in increasing order in both), and nothing outside the rows picked written.
     */
    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("implAndLength")
    void scatterAddRows(Kernels k, int cols) {
        for (int rows : new int[] {1, 7, 40, 560}) {
            Random r = new Random(6100 + cols * 31 + rows);
            int ld = cols + 5, xo = 3, oo = 2, ldOut = cols + 3, targets = rows < 40 ? 3 : 29, io = 1;
            float[] x = guarded(r, xo, rows * ld, -1f, 1f, Float.NaN);
            for (int row = 0; row < rows; row++) for (int j = cols; j < ld; j++) x[xo + row * ld + j] = Float.NaN;
            int[] idx = new int[io + rows];
            for (int row = 0; row < rows; row++) idx[io + row] = row == rows / 2 ? 2 * targets : r.nextInt(targets);
            float[] out = guarded(r, oo, (2 * targets + 1) * ldOut, -1f, 1f, SENTINEL);
            float[] ref = out.clone();
            new ScalarKernels().scatterAddRows(x, xo, ld, rows, idx, io, ref, oo, ldOut, cols);
            for (int pass = 0; pass < 2; pass++) { // twice: the second call finds the row lists as the first left them
                float[] got = out.clone();
                k.scatterAddRows(x, xo, ld, rows, idx, io, got, oo, ldOut, cols);
                assertArrayEquals(ref, got, k.name() + " scatterAddRows rows=" + rows);
            }
            double[] exact = new double[ref.length];
            for (int i = 0; i < out.length; i++) exact[i] = out[i];
            for (int row = 0; row < rows; row++) {
                for (int j = 0; j < cols; j++) exact[oo + idx[io + row] * ldOut + j] += x[xo + row * ld + j];
            }
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], ref[i], 1e-5 * Math.sqrt(rows + 1), "the scalar twin, element " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0} cols={1}")
    @MethodSource("implAndLength")
    void transpose(Kernels k, int cols) {
        for (int rows : new int[] {1, 15, 16, 17}) {
            for (int c : new int[] {Math.min(cols, 16), cols}) {
                Random r = new Random(6100 + c * 31 + rows);
                int lds = c + 3, ldd = rows + 5, so = 2, dOff = 4;
                float[] src = guarded(r, so, rows * lds, -1f, 1f, Float.NaN);
                float[] dst = guarded(r, dOff, c * ldd, -1f, 1f, SENTINEL);
                float[] before = dst.clone();
                k.transpose(rows, c, src, so, lds, dst, dOff, ldd);
                for (int j = 0; j < c; j++) {
                    for (int i = 0; i < ldd; i++) {
                        float want = i < rows ? src[so + i * lds + j] : before[dOff + j * ldd + i];
                        assertEquals(want, dst[dOff + j * ldd + i], k.name() + " transpose " + rows + "x" + c + " at " + i + "," + j);
                    }
                }
                assertGuardsIntact(dst, dOff, c * ldd, SENTINEL, "transpose");
            }
        }
    }

    static Stream<Arguments> softmaxCases() {
        TreeSet<Integer> cols = new TreeSet<>(List.of(1, 2, 13, 28, 65, 207));
        for (Kernels k : impls()) {
            int l = k.lanes();
            for (int d : new int[] {l - 1, l, l + 1, 2 * l + 3}) if (d >= 1) cols.add(d);
        }
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : impls()) for (int c : cols) for (int rows : new int[] {1, 3, 41}) out.add(Arguments.of(named(k), rows, c));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} rows={1} cols={2}")
    @MethodSource("softmaxCases")
    void softmaxCrossEntropy(Kernels k, int rows, int cols) {
        Random r = new Random(7000 + rows * 1000 + cols);
        int lo = 5, to = 2, go = 3;
        float[] logits = guarded(r, lo, rows * cols, -6f, 6f, Float.NaN);
        int[] targets = new int[to + rows + 3];
        java.util.Arrays.fill(targets, -1);
        for (int i = 0; i < rows; i++) targets[to + i] = r.nextInt(cols);
        float gradScale = 1f / rows;
        float[] grad = guarded(r, go, rows * cols, 0f, 0f, SENTINEL);

        double lossRef = 0;
        float[] ref = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, logits[lo + i * cols + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.exp(logits[lo + i * cols + j] - max);
            int t = targets[to + i];
            lossRef += Math.log(sum) + max - logits[lo + i * cols + t];
            for (int j = 0; j < cols; j++) {
                double p = Math.exp(logits[lo + i * cols + j] - max) / sum;
                ref[i * cols + j] = (float) ((p - (j == t ? 1 : 0)) * gradScale);
            }
        }
        double loss = k.softmaxCrossEntropy(logits, lo, rows, cols, targets, to, gradScale, grad, go);
        assertEquals(lossRef, loss, 1e-6 * rows * Math.log(cols + 1) + 1e-6 * Math.abs(lossRef),
                k.name() + " loss");
        assertClose(ref, 0, grad, go, rows * cols, 2e-7 * gradScale * Math.sqrt(cols), 2e-6, k.name() + " grad");
        assertGuardsIntact(grad, go, rows * cols, SENTINEL, "softmaxCrossEntropy grad");

        // against the scalar kernels (same exp approximation)
        float[] scalarGrad = new float[rows * cols];
        double scalarLoss = new ScalarKernels().softmaxCrossEntropy(logits, lo, rows, cols, targets, to, gradScale, scalarGrad, 0);
        assertEquals(scalarLoss, loss, 1e-6 * Math.abs(scalarLoss) + 1e-6 * rows, k.name() + " loss vs scalar");
    }

    // ---- optimiser kernels -------------------------------------------------------------------------

    /** Which bits of an optimiser kernel's outputs differ from the scalar twin's, or null. */
    static String bitsDiffer(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                return what + " differs from the scalar twin at " + i + ": " + expected[i] + " vs " + actual[i];
            }
        }
        return null;
    }

    /** Adam (L2 weight decay) and AdamW (decoupled decay) at step 3, against double precision and the scalar twin. */
    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implAndLength")
    void adamStep(Kernels k, int n) {
        for (boolean decoupled : new boolean[] {false, true}) {
            Random r = new Random(8000 + 2 * n + (decoupled ? 1 : 0));
            int po = 4, go = 9, mo = 2, vo = 7;
            float[] p = guarded(r, po, n, -1f, 1f, SENTINEL);
            float[] g = guarded(r, go, n, -3f, 3f, Float.NaN);
            for (int i = 0; i < n; i += 5) g[go + i] = 0f; // a token absent from the minibatch
            float[] m = guarded(r, mo, n, -0.1f, 0.1f, SENTINEL);
            float[] v = guarded(r, vo, n, 1e-6f, 0.01f, SENTINEL);
            float gs = 0.37f, l2 = decoupled ? 0f : 0.05f, decay = decoupled ? 0.999f : 1f;
            float b1 = 0.9f, c1 = (float) (1 - 0.9), b2 = 0.999f, c2 = (float) (1 - 0.999), eps = 1e-8f;
            float stepSize = (float) (0.01 / (1 - Math.pow(0.9, 3))), bc2 = (float) Math.sqrt(1 - Math.pow(0.999, 3));
            double[] pr = new double[n], mr = new double[n], vr = new double[n];
            double[] pt = new double[n], mt = new double[n], vt = new double[n]; // error bounds
            for (int i = 0; i < n; i++) {
                double pi = p[po + i], gi = (double) g[go + i] * gs + (double) l2 * pi;
                mr[i] = (double) b1 * m[mo + i] + (double) c1 * gi;
                vr[i] = (double) b2 * v[vo + i] + (double) c2 * gi * gi;
                double upd = stepSize * mr[i] / (Math.sqrt(vr[i]) / bc2 + eps);
                pr[i] = pi * decay - upd;
                mt[i] = 1e-6 * (Math.abs(b1 * m[mo + i]) + Math.abs(c1 * gi));
                vt[i] = 1e-6 * vr[i];
                pt[i] = 1e-6 * (Math.abs(pi * decay) + Math.abs(upd));
            }
            float[] ps = p.clone(), ms = m.clone(), vs = v.clone();
            new ScalarKernels().adamStep(ps, po, g, go, ms, mo, vs, vo, n, gs, l2, decay, b1, c1, b2, c2, stepSize, bc2, eps);
            k.adamStep(p, po, g, go, m, mo, v, vo, n, gs, l2, decay, b1, c1, b2, c2, stepSize, bc2, eps);
            String what = k.name() + (decoupled ? " AdamW" : " Adam") + " n=" + n;
            for (int i = 0; i < n; i++) {
                assertEquals(mr[i], m[mo + i], mt[i], what + " m at " + i);
                assertEquals(vr[i], v[vo + i], vt[i], what + " v at " + i);
                assertEquals(pr[i], p[po + i], pt[i], what + " p at " + i);
            }
            assertGuardsIntact(p, po, n, SENTINEL, what + " p");
            assertGuardsIntact(m, mo, n, SENTINEL, what + " m");
            assertGuardsIntact(v, vo, n, SENTINEL, what + " v");
            for (String f : new String[] {bitsDiffer(ps, p, what + " p"), bitsDiffer(ms, m, what + " m"), bitsDiffer(vs, v, what + " v")}) {
                assertTrue(f == null, f);
            }
        }
    }

    /** The first Adam step from zero moments moves every entry with a gradient by about lr, against its sign. */
    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implAndLength")
    void adamFirstStepMovesByLr(Kernels k, int n) {
        Random r = new Random(8500 + n);
        float[] p = guarded(r, 0, n, -1f, 1f, SENTINEL), p0 = p.clone();
        float[] g = guarded(r, 0, n, -3f, 3f, Float.NaN);
        float[] m = new float[n], v = new float[n];
        float lr = 0.01f;
        k.adamStep(p, 0, g, 0, m, 0, v, 0, n, 1f, 0f, 1f, 0.9f, (float) (1 - 0.9), 0.999f, (float) (1 - 0.999),
                (float) (lr / (1 - 0.9)), (float) Math.sqrt(1 - 0.999), 1e-8f);
        for (int i = 0; i < n; i++) assertEquals(p0[i] - lr * Math.signum(g[i]), p[i], 1e-6, k.name() + " at " + i);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("implAndLength")
    void rmspropStep(Kernels k, int n) {
        Random r = new Random(9000 + n);
        int po = 3, go = 1, vo = 6;
        float[] p = guarded(r, po, n, -1f, 1f, SENTINEL);
        float[] g = guarded(r, go, n, -3f, 3f, Float.NaN);
        for (int i = 0; i < n; i += 7) g[go + i] = 0f;
        float[] v = guarded(r, vo, n, 1e-6f, 0.01f, SENTINEL);
        float gs = 0.61f, l2 = 0.02f, alpha = 0.99f, c = (float) (1 - 0.99), lr = 0.01f, eps = 1e-8f;
        float[] ps = p.clone(), vs = v.clone();
        double[] pr = new double[n], vr = new double[n], pt = new double[n];
        for (int i = 0; i < n; i++) {
            double pi = p[po + i], gi = (double) g[go + i] * gs + (double) l2 * pi;
            vr[i] = (double) alpha * v[vo + i] + (double) c * gi * gi;
            double upd = lr * gi / (Math.sqrt(vr[i]) + eps);
            pr[i] = pi - upd;
            pt[i] = 1e-6 * (Math.abs(pi) + Math.abs(upd));
        }
        new ScalarKernels().rmspropStep(ps, po, g, go, vs, vo, n, gs, l2, alpha, c, lr, eps);
        k.rmspropStep(p, po, g, go, v, vo, n, gs, l2, alpha, c, lr, eps);
        String what = k.name() + " rmsprop n=" + n;
        for (int i = 0; i < n; i++) {
            assertEquals(vr[i], v[vo + i], 1e-6 * vr[i], what + " v at " + i);
            assertEquals(pr[i], p[po + i], pt[i], what + " p at " + i);
        }
        assertGuardsIntact(p, po, n, SENTINEL, what + " p");
        assertGuardsIntact(v, vo, n, SENTINEL, what + " v");
        for (String f : new String[] {bitsDiffer(ps, p, what + " p"), bitsDiffer(vs, v, what + " v")}) assertTrue(f == null, f);
    }
}
