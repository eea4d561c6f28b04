package dev.vecrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel of every implementation in {@link KernelProvider#available()} against {@link ScalarKernels}
 * (elementwise kernels) or a double-precision reference (GEMM, reductions), on ragged lengths, non-zero
 * offsets and leading dimensions larger than the logical width.
 *
 * <p>Padding and guard regions of the inputs hold NaN, so a kernel that reads outside its operands poisons
 * its result; the guard regions of the outputs hold a sentinel, so a kernel that writes outside its output
 * is caught too.
 */
class KernelsTest {

    private static final float SENTINEL = -12345.678f;

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

    // ---- GEMM --------------------------------------------------------------------------------------

    /** One GEMM problem: operands with padding (NaN) past their logical width and before their offset. */
    static final class Problem {
        final Layout layout;
        final int m, n, k, lda, ldb, ldc, aOff, bOff, cOff;
        final float[] a, b, c0;
        final double maxA, maxB;

        Problem(Layout layout, int m, int n, int k, long seed) {
            this(layout, m, n, k, -1, -1, -1, new Random(seed));
        }

        /** A registry shape with its leading dimensions (the engine's column blocks of wider panels). */
        Problem(GemmShapes.Shape s, long seed) {
            this(s.layout(), s.m(), s.n(), s.k(), s.lda(), s.ldb(), s.ldc(), new Random(seed));
        }

        /** Leading dimensions below 0 are drawn: 1 to 9 floats of padding past the logical width. */
        private Problem(Layout layout, int m, int n, int k, int lda, int ldb, int ldc, Random r) {
            this.layout = layout;
            this.m = m;
            this.n = n;
            this.k = k;
            int aRows = layout == Layout.TN ? k : m, aCols = layout == Layout.TN ? m : k;
            int bRows = layout == Layout.NT ? n : k, bCols = layout == Layout.NT ? k : n;
            this.lda = lda >= 0 ? lda : aCols + 1 + r.nextInt(9);
            this.ldb = ldb >= 0 ? ldb : bCols + 1 + r.nextInt(9);
            this.ldc = ldc >= 0 ? ldc : n + 1 + r.nextInt(9);
            aOff = 1 + r.nextInt(17);
            bOff = 1 + r.nextInt(17);
            cOff = 1 + r.nextInt(17);
            a = matrix(r, aOff, aRows, aCols, this.lda, Float.NaN);
            b = matrix(r, bOff, bRows, bCols, this.ldb, Float.NaN);
            c0 = matrix(r, cOff, m, n, this.ldc, SENTINEL);
            maxA = maxAbs(a);
            maxB = maxAbs(b);
        }

        static float[] matrix(Random r, int off, int rows, int cols, int ld, float pad) {
            float[] x = new float[off + rows * ld + 23];
            java.util.Arrays.fill(x, pad);
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) x[off + i * ld + j] = 2 * r.nextFloat() - 1;
            return x;
        }

        static double maxAbs(float[] x) {
            double m = 0;
            for (float v : x) if (!Float.isNaN(v) && v != SENTINEL) m = Math.max(m, Math.abs(v));
            return m;
        }

        double aAt(int i, int p) {
            return layout == Layout.TN ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        double bAt(int p, int j) {
            return layout == Layout.NT ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        /** The product in double, (m, n) dense. */
        double[] reference() {
            double[] out = new double[m * n];
            double[] arow = new double[k];
            double[] bt = new double[n * k];
            for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) bt[j * k + p] = bAt(p, j);
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) arow[p] = aAt(i, p);
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    int bj = j * k;
                    for (int p = 0; p < k; p++) s += arow[p] * bt[bj + p];
                    out[i * n + j] = s;
                }
            }
            return out;
        }

        /** Runs {@code kernels} and returns null or a description of the first wrong element. */
        String check(Kernels kernels, double[] ref, boolean accumulate) {
            float[] c = c0.clone();
            if (!accumulate) {
                // C's old values must be ignored, not multiplied by zero
                for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = Float.NaN;
            }
            float[] a0 = a.clone(), b0 = b.clone();
            kernels.gemm(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            String where = kernels.name() + " " + layout + " m=" + m + " n=" + n + " k=" + k + " acc=" + accumulate;
            if (!bitsEqual(a0, a)) return where + ": modified A";
            if (!bitsEqual(b0, b)) return where + ": modified B";
            double tol = 1e-5 * Math.sqrt(Math.max(k, 1)) * maxA * maxB + 1e-6;
            for (int idx = 0; idx < c.length; idx++) {
                int rel = idx - cOff;
                int i = rel >= 0 ? rel / ldc : -1, j = rel >= 0 ? rel % ldc : -1;
                boolean inside = rel >= 0 && i < m && j < n;
                if (!inside) {
                    if (Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(c0[idx])) {
                        return where + ": wrote outside C at index " + idx;
                    }
                    continue;
                }
                double e = ref[i * n + j] + (accumulate ? c0[idx] : 0);
                double t = tol + (accumulate ? 1.2e-7 * Math.abs(c0[idx]) : 0);
                if (!(Math.abs(c[idx] - e) <= t)) {
                    return where + ": C(" + i + "," + j + ") expected " + e + " got " + c[idx] + " tol " + t;
                }
            }
            return null;
        }

        static boolean bitsEqual(float[] x, float[] y) {
            if (x.length != y.length) return false;
            for (int i = 0; i < x.length; i++) if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) return false;
            return true;
        }
    }

    static final int[] SMALL = {1, 5, 6, 7, 13, 16, 17, 33, 207};

    static Stream<Arguments> implLayout() {
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : impls()) for (Layout l : Layout.values()) out.add(Arguments.of(named(k), l));
        return out.stream();
    }

    /** Every (m, n, k) in SMALL³, accumulate on and off, plus k = 0 and m or n = 0. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("implLayout")
    void gemmRaggedShapes(Kernels kernels, Layout layout) {
        List<String> failures = new ArrayList<>();
        long seed = 1;
        for (int m : SMALL) for (int n : SMALL) for (int k : SMALL) {
            Problem p = new Problem(layout, m, n, k, seed++);
            double[] ref = p.reference();
            for (boolean acc : new boolean[] {false, true}) {
                String f = p.check(kernels, ref, acc);
                if (f != null && failures.size() < 20) failures.add(f);
            }
        }
        for (int[] s : new int[][] {{5, 7, 0}, {0, 7, 5}, {5, 0, 5}, {1, 1, 0}, {33, 40, 0}}) {
            Problem p = new Problem(layout, s[0], s[1], s[2], seed++);
            double[] ref = p.reference();
            for (boolean acc : new boolean[] {false, true}) {
                String f = p.check(kernels, ref, acc);
                if (f != null) failures.add(f);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /**
     * The registry the benchmark times ({@link GemmShapes#ALL}, leading dimensions included) plus two odd
     * shapes, all three layouts. 1024x1024x1024 is left out: the scalar reference takes seconds per call, and
     * it runs the same loop nest as 512x1120x512.
     */
    static Stream<Arguments> rnnShapes() {
        List<Arguments> out = new ArrayList<>();
        List<String> shapes = new ArrayList<>(GemmShapes.ALL);
        shapes.remove("1024x1024x1024");
        shapes.add("16x28x512");
        shapes.add("64x256x96");
        for (String s : shapes) for (Layout l : Layout.values()) out.add(Arguments.of(s, l));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("rnnShapes")
    void gemmRnnShapes(String shape, Layout layout) {
        Problem p = new Problem(GemmShapes.parse(shape, layout), shape.hashCode() * 31L + layout.ordinal());
        double[] ref = p.reference();
        List<Kernels> all = new ArrayList<>(impls());
        all.addAll(forcedPaths(layout));
        for (Kernels kernels : all) {
            for (boolean acc : new boolean[] {false, true}) {
                String f = p.check(kernels, ref, acc);
                assertTrue(f == null, f);
            }
        }
    }

    /** The Vector API GEMM forced onto one loop nest, whatever the shape would choose. */
    static Kernels forcedPath(VectorGemm.Path path) {
        return new DelegatingKernels(KernelProvider.get()) {
            @Override public String name() { return "vector-" + path; }
            @Override
            public void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                             int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
                GemmChecks.check(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
                VectorGemm.gemm(path, layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            }
        };
    }

    /** Every loop nest that runs {@code layout} (the NT-only ones for NT). */
    static List<Kernels> forcedPaths(Layout layout) {
        List<Kernels> out = new ArrayList<>();
        for (VectorGemm.Path path : VectorGemm.Path.values()) {
            boolean ntOnly = path == VectorGemm.Path.NT_DOT4X4 || path == VectorGemm.Path.NT_SWAP;
            if (!ntOnly || layout == Layout.NT) out.add(forcedPath(path));
        }
        return out;
    }

    static Stream<Arguments> pathLayout() {
        List<Arguments> out = new ArrayList<>();
        for (Layout l : Layout.values()) for (Kernels k : forcedPaths(l)) out.add(Arguments.of(named(k), l));
        return out.stream();
    }

    /**
     * Every loop nest on ragged shapes: each micro-kernel ({@code mk8x2}/{@code mk6x2}, {@code mk4x2},
     * {@code mk1x2}, {@code dot4x4} and its edges) meets ragged rows, ragged slivers and ragged k, with A packed
     * into panels (a partial last panel) and the NT_SWAP path adding tiles into C transposed.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pathLayout")
    void gemmEveryPathRaggedShapes(Kernels kernels, Layout layout) {
        List<String> failures = new ArrayList<>();
        long seed = 7;
        int[] sizes = {1, 6, 7, 13, 17, 33, 40, 150};
        for (int m : sizes) for (int n : sizes) for (int k : sizes) {
            Problem p = new Problem(layout, m, n, k, seed++);
            double[] ref = p.reference();
            for (boolean acc : new boolean[] {false, true}) {
                String f = p.check(kernels, ref, acc);
                if (f != null && failures.size() < 20) failures.add(f);
            }
        }
        // more than one k block (KC) and more than one row block (MC)
        for (int[] s : new int[][] {{150, 33, VectorGemm.KC + 7}, {VectorGemm.MC + 9, 40, 300}, {33, 150, 2 * VectorGemm.KC + 1}}) {
            Problem p = new Problem(layout, s[0], s[1], s[2], seed++);
            double[] ref = p.reference();
            for (boolean acc : new boolean[] {false, true}) {
                String f = p.check(kernels, ref, acc);
                if (f != null) failures.add(f);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** The shape, not a property or the JIT, picks the loop nest (the summation order) by default. */
    @Test
    void gemmPathsChosenByShape() {
        assertEquals(VectorGemm.Path.BCAST_PACK_A, VectorGemm.choose(Layout.NN, 32, 512, 512));
        assertEquals(VectorGemm.Path.BCAST_PACK_A, VectorGemm.choose(Layout.TN, 16, 512, 512));
        assertEquals(VectorGemm.Path.BCAST_B_IN_PLACE, VectorGemm.choose(Layout.NN, 32, 28, 512));
        assertEquals(VectorGemm.Path.BCAST_B_IN_PLACE, VectorGemm.choose(Layout.NN, VectorGemm.MR - 1, 512, 512));
        assertEquals(VectorGemm.Path.BCAST_PACK_AB, VectorGemm.choose(Layout.NN, 512, 512, 1120));
        assertEquals(VectorGemm.Path.BCAST_PACK_B, VectorGemm.choose(Layout.TN, 512, 28, 560));
        assertEquals(VectorGemm.Path.BCAST_PACK_AB, VectorGemm.choose(Layout.TN, 512, 512, 1120));
        assertEquals(VectorGemm.Path.NT_DOT4X4, VectorGemm.choose(Layout.NT, 32, 512, 512));
        assertEquals(VectorGemm.Path.NT_DOT4X4, VectorGemm.choose(Layout.NT, 16, 512, 512));
        assertEquals(VectorGemm.Path.BCAST_PACK_AB, VectorGemm.choose(Layout.NT, 512, 512, 512));
    }

    @Test
    void gemmShapeRegistryParses() {
        GemmShapes.Shape s = GemmShapes.parse("256x560x256:ldb1024", Layout.TN);
        assertEquals(List.of(256, 560, 256, 256, 1024, 256), List.of(s.m(), s.k(), s.n(), s.lda(), s.ldb(), s.ldc()));
        assertEquals(768, GemmShapes.parse("16x256x512:ldc768", Layout.NN).ldc());
        assertEquals(560, GemmShapes.parse("256x560x256", Layout.NT).ldb());
        assertThrows(IllegalArgumentException.class, () -> GemmShapes.parse("16x256x512:ldc100", Layout.NN));
        assertThrows(IllegalArgumentException.class, () -> GemmShapes.parse("16x256", Layout.NN));
        for (String spec : GemmShapes.ALL) for (Layout l : Layout.values()) GemmShapes.parse(spec, l);
    }

    /** The checker above is not a tautology: a result off by more than its tolerance in one element fails. */
    @Test
    void gemmCheckerRejectsWrongResult() {
        Problem p = new Problem(Layout.NN, 13, 17, 33, 99);
        double[] ref = p.reference();
        Kernels exact = new ScalarKernels();
        assertTrue(p.check(exact, ref, false) == null);
        double[] wrong = ref.clone();
        wrong[5 * 17 + 3] += 1e-3;
        String f = p.check(exact, wrong, false);
        assertFalse(f == null, "a 1e-3 error must be reported");
        assertTrue(f.contains("C(5,3)"), f);
        // and an implementation that writes into C's padding is caught
        Kernels sloppy = new DelegatingKernels(exact) {
            @Override
            public void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                             int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
                super.gemm(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
                c[cOff + n] = 0f;
            }
        };
        String g = p.check(sloppy, ref, false);
        assertFalse(g == null, "a write into C's padding must be reported");
    }

    /** Several threads at once (NT uses a per-thread scratch panel). */
    @Test
    void gemmConcurrentCalls() throws Exception {
        Kernels kernels = KernelProvider.get();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int seed = t;
                fs.add(pool.submit(() -> {
                    for (Layout l : Layout.values()) {
                        int m = 17 + 3 * seed, n = 40 + 7 * seed, k = 33 + 11 * seed;
                        Problem p = new Problem(l, m, n, k, seed * 7L + l.ordinal());
                        double[] ref = p.reference();
                        for (int rep = 0; rep < 20; rep++) {
                            String f = p.check(kernels, ref, rep % 2 == 0);
                            if (f != null) return f;
                        }
                    }
                    return null;
                }));
            }
            for (Future<String> f : fs) {
                String s = f.get();
                assertTrue(s == null, s);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void gemmRejectsOperandsThatDoNotFit() {
        for (Kernels kernels : impls()) {
            float[] a = new float[10 * 10], b = new float[10 * 10], c = new float[10 * 10];
            assertThrows(IllegalArgumentException.class,
                    () -> kernels.gemm(Layout.NN, 10, 10, 10, a, 1, 10, b, 0, 10, c, 0, 10, false));
            assertThrows(IllegalArgumentException.class,
                    () -> kernels.gemm(Layout.NN, 10, 10, 10, a, 0, 10, b, 0, 9, c, 0, 10, false));
        }
    }

    /** Forwards every call; tests override one method to break it. */
    static class DelegatingKernels implements Kernels {
        private final Kernels d;

        DelegatingKernels(Kernels d) { this.d = d; }

        @Override public String name() { return "delegating-" + d.name(); }
        @Override public int lanes() { return d.lanes(); }
        @Override public void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                                   int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
            d.gemm(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
        @Override public void gemv(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
                                   boolean accumulate) {
            d.gemv(n, k, x, xOff, w, wOff, ldw, y, yOff, accumulate);
        }
        @Override public void tanhForward(float[] z, int zOff, float[] u, int uOff, float[] bias, int biasOff,
                                          float[] h, int hOff, int n) {
            d.tanhForward(z, zOff, u, uOff, bias, biasOff, h, hOff, n);
        }
        @Override public void tanhBackward(float[] h, int hOff, float[] dh1, int dh1Off, float[] dh2, int dh2Off,
                                           float[] dz, int dzOff, int n) {
            d.tanhBackward(h, hOff, dh1, dh1Off, dh2, dh2Off, dz, dzOff, n);
        }
        @Override public void lstmForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] cPrev,
                                          int cPrevOff, float[] c, int cOff, float[] tc, int tcOff, float[] h, int hOff, int n) {
            d.lstmForward(g, gOff, u, uOff, b, bOff, cPrev, cPrevOff, c, cOff, tc, tcOff, h, hOff, n);
        }
        @Override public void lstmBackward(float[] g, int gOff, float[] cPrev, int cPrevOff, float[] tc, int tcOff,
                                           float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dc, int dcOff, int n) {
            d.lstmBackward(g, gOff, cPrev, cPrevOff, tc, tcOff, dh1, dh1Off, dh2, dh2Off, dc, dcOff, n);
        }
        @Override public void gruGates(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev,
                                       int hPrevOff, float[] rh, int rhOff, int n) {
            d.gruGates(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, rh, rhOff, n);
        }
        @Override public void gruOutput(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev,
                                        int hPrevOff, float[] h, int hOff, int n) {
            d.gruOutput(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, h, hOff, n);
        }
        @Override public void gruBackwardOutput(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] dh1, int dh1Off,
                                                float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n) {
            d.gruBackwardOutput(g, gOff, hPrev, hPrevOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, n);
        }
        @Override public void gruBackwardReset(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] drh, int drhOff,
                                               float[] dhPrev, int dhPrevOff, int n) {
            d.gruBackwardReset(g, gOff, hPrev, hPrevOff, drh, drhOff, dhPrev, dhPrevOff, n);
        }
        @Override public double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
                                                    float gradScale, float[] grad, int gOff) {
            return d.softmaxCrossEntropy(logits, lOff, rows, cols, targets, tOff, gradScale, grad, gOff);
        }
        @Override public void dropout(float[] x, int xOff, float[] y, int yOff, int n, int key, int threshold, float scale) {
            d.dropout(x, xOff, y, yOff, n, key, threshold, scale);
        }
        @Override public double sumOfSquares(float[] x, int off, int n) { return d.sumOfSquares(x, off, n); }
        @Override public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) { d.axpy(alpha, x, xOff, y, yOff, n); }
        @Override public void add(float[] x, int xOff, float[] y, int yOff, int n) { d.add(x, xOff, y, yOff, n); }
        @Override public void columnSums(float[] x, int xOff, int rows, int cols, int ld, float[] out, int outOff) {
            d.columnSums(x, xOff, rows, cols, ld, out, outOff);
        }
        @Override public void adamStep(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                                       float gradScale, float l2, float decay, float beta1, float oneMinusBeta1,
                                       float beta2, float oneMinusBeta2, float stepSize, float bc2Sqrt, float eps) {
            d.adamStep(p, pOff, g, gOff, m, mOff, v, vOff, n, gradScale, l2, decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
                    stepSize, bc2Sqrt, eps);
        }
        @Override public void rmspropStep(float[] p, int pOff, float[] g, int gOff, float[] v, int vOff, int n,
                                          float gradScale, float l2, float alpha, float oneMinusAlpha, float lr, float eps) {
            d.rmspropStep(p, pOff, g, gOff, v, vOff, n, gradScale, l2, alpha, oneMinusAlpha, lr, eps);
        }
        @Override public void torchGruForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] bhh,
                                              int bhhOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff, float[] h,
                                              int hOff, int n) {
            d.torchGruForward(g, gOff, u, uOff, b, bOff, bhh, bhhOff, hPrev, hPrevOff, hn, hnOff, h, hOff, n);
        }
        @Override public void torchGruBackward(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff,
                                               float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dhPrev,
                                               int dhPrevOff, int n) {
            d.torchGruBackward(g, gOff, hPrev, hPrevOff, hn, hnOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, n);
        }
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
