package dev.vecrnn.kernels;

import static dev.vecrnn.kernels.KernelsTest.SENTINEL;
import static dev.vecrnn.kernels.KernelsTest.impls;
import static dev.vecrnn.kernels.KernelsTest.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GEMM of every implementation in {@link KernelProvider#available()}, and every loop nest of the vector one
 * ({@link VectorGemm.Path}), against a double-precision reference: ragged shapes, every registry shape
 * ({@link GemmShapes}), non-zero offsets and leading dimensions wider than the operands, with NaN padding so a
 * read outside an operand poisons the result and a sentinel so a write outside C is caught.
 */
class GemmKernelsTest {

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
            // NP: ldb is the packed matrix's row count, at least k (0 to 8 rows that must not be read)
            this.ldb = ldb >= 0 ? ldb : layout == Layout.NP ? k + r.nextInt(9) : bCols + 1 + r.nextInt(9);
            this.ldc = ldc >= 0 ? ldc : n + 1 + r.nextInt(9);
            aOff = 1 + r.nextInt(17);
            bOff = 1 + r.nextInt(17);
            cOff = 1 + r.nextInt(17);
            a = matrix(r, aOff, aRows, aCols, this.lda, Float.NaN);
            b = layout == Layout.NP ? packed(r, bOff, k, n, this.ldb) : matrix(r, bOff, bRows, bCols, this.ldb, Float.NaN);
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

        /**
         * A {@link PackedPanel} matrix of {@code ldk} rows holding {@code k × n}: NaN in the rows past k and the
         * columns past n of the last panel. Kernels may read those lanes (and discard what they give) but not
         * let them into C.
         */
        static float[] packed(Random r, int off, int k, int n, int ldk) {
            float[] x = new float[off + PackedPanel.floats(ldk, n) + 23];
            java.util.Arrays.fill(x, Float.NaN);
            for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) x[off + PackedPanel.index(ldk, p, j)] = 2 * r.nextFloat() - 1;
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
            if (layout == Layout.NP) return b[bOff + PackedPanel.index(ldb, p, j)];
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

        /** Checks {@code kernels} with and without accumulation, adding what is wrong (up to 20 lines) to {@code failures}. */
        void checkBoth(Kernels kernels, List<String> failures) {
            double[] ref = reference();
            for (boolean acc : new boolean[] {false, true}) {
                String f = check(kernels, ref, acc);
                if (f != null && failures.size() < 20) failures.add(f);
            }
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

    /** Checks every (m, n, k) in {@code sizes}³ from {@code seed} on; returns the next seed. */
    static long checkCube(Kernels kernels, Layout layout, int[] sizes, long seed, List<String> failures) {
        for (int m : sizes) for (int n : sizes) for (int k : sizes) new Problem(layout, m, n, k, seed++).checkBoth(kernels, failures);
        return seed;
    }

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
        long seed = checkCube(kernels, layout, SMALL, 1, failures);
        for (int[] s : new int[][] {{5, 7, 0}, {0, 7, 5}, {5, 0, 5}, {1, 1, 0}, {33, 40, 0}}) {
            new Problem(layout, s[0], s[1], s[2], seed++).checkBoth(kernels, failures);
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

    /** Every loop nest that runs {@code layout} (the NT-only ones for NT; NP has one, its own). */
    static List<Kernels> forcedPaths(Layout layout) {
        List<Kernels> out = new ArrayList<>();
        if (layout == Layout.NP) {
            out.add(forcedPath(VectorGemm.Path.PACKED_PANELS));
            return out;
        }
        for (VectorGemm.Path path : VectorGemm.Path.values()) {
            boolean ntOnly = path == VectorGemm.Path.NT_DOT4X4 || path == VectorGemm.Path.NT_SWAP;
            if (path != VectorGemm.Path.PACKED_PANELS && (!ntOnly || layout == Layout.NT)) out.add(forcedPath(path));
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
        long seed = checkCube(kernels, layout, new int[] {1, 6, 7, 13, 17, 33, 40, 150}, 7, failures);
        // more than one k block (KC) and more than one row block (MC)
        for (int[] s : new int[][] {{150, 33, VectorGemm.KC + 7}, {VectorGemm.MC + 9, 40, 300}, {33, 150, 2 * VectorGemm.KC + 1}}) {
            new Problem(layout, s[0], s[1], s[2], seed++).checkBoth(kernels, failures);
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
        assertEquals(VectorGemm.Path.PACKED_PANELS, VectorGemm.choose(Layout.NP, 16, 1024, 256));
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
}
