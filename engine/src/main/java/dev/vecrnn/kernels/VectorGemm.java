package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked SGEMM on the Vector API.
 *
 * <p>{@code NN} and {@code TN} share one set of micro-kernels: they differ only in how A is strided
 * ({@code a(i,p) = a[i·rsA + p·csA]}), and B is read row-major {@code (k, n)} in both. {@code NT} transposes
 * B once into a per-thread scratch panel and runs as {@code NN}; callers that multiply by the same
 * transposed weight many times (BPTT) keep their own transposed copy instead.
 *
 * <p>Micro-kernel names say their register tile: {@code mk4x2} is 4 rows of A by 2 vectors of B.
 */
final class VectorGemm {
    private VectorGemm() {}

    private static final VectorSpecies<Float> F = VectorKernels.F;
    private static final int L = F.length();
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    static void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (!accumulate) {
            for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
        }
        if (k == 0) return;
        if (layout == Layout.NT) {
            float[] bt = scratch(k * n);
            transpose(b, bOff, ldb, n, k, bt);
            b = bt;
            bOff = 0;
            ldb = n;
        }
        int rsA = layout == Layout.TN ? 1 : lda;
        int csA = layout == Layout.TN ? lda : 1;
        int j = 0;
        for (; j + 2 * L <= n; j += 2 * L) {
            int i = 0;
            for (; i + 4 <= m; i += 4) mk4x2(k, a, aOff + i * rsA, rsA, csA, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc);
            for (; i < m; i++) mk1x2(k, a, aOff + i * rsA, csA, b, bOff + j, ldb, c, cOff + i * ldc + j);
        }
        for (; j < n; j += L) {
            VectorMask<Float> mask = F.indexInRange(j, n);
            int i = 0;
            for (; i + 4 <= m; i += 4) mk4x1(k, a, aOff + i * rsA, rsA, csA, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, mask);
            for (; i < m; i++) mk1x1(k, a, aOff + i * rsA, csA, b, bOff + j, ldb, c, cOff + i * ldc + j, mask);
        }
    }

    private static float[] scratch(int size) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }

    /** {@code dst (cols, rows) = src (rows, cols)ᵀ}. */
    static void transpose(float[] src, int off, int ld, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int s = off + r * ld;
            for (int q = 0; q < cols; q++) dst[q * rows + r] = src[s + q];
        }
    }

    private static void mk4x2(int k, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        for (int p = 0; p < k; p++) {
            int bp = bOff + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            int ap = aOff + p * csA;
            FloatVector a0 = FloatVector.broadcast(F, a[ap]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(F, a[ap + rsA]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(F, a[ap + 2 * rsA]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(F, a[ap + 3 * rsA]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
        }
        store2(c, cOff, c00, c01);
        store2(c, cOff + ldc, c10, c11);
        store2(c, cOff + 2 * ldc, c20, c21);
        store2(c, cOff + 3 * ldc, c30, c31);
    }

    private static void mk1x2(int k, float[] a, int aOff, int csA, float[] b, int bOff, int ldb, float[] c, int cOff) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        for (int p = 0; p < k; p++) {
            int bp = bOff + p * ldb;
            FloatVector a0 = FloatVector.broadcast(F, a[aOff + p * csA]);
            c00 = FloatVector.fromArray(F, b, bp).fma(a0, c00);
            c01 = FloatVector.fromArray(F, b, bp + L).fma(a0, c01);
        }
        store2(c, cOff, c00, c01);
    }

    private static void mk4x1(int k, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, VectorMask<Float> mask) {
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F);
        FloatVector c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(F, b, bOff + p * ldb, mask);
            int ap = aOff + p * csA;
            c0 = b0.fma(FloatVector.broadcast(F, a[ap]), c0);
            c1 = b0.fma(FloatVector.broadcast(F, a[ap + rsA]), c1);
            c2 = b0.fma(FloatVector.broadcast(F, a[ap + 2 * rsA]), c2);
            c3 = b0.fma(FloatVector.broadcast(F, a[ap + 3 * rsA]), c3);
        }
        store1(c, cOff, c0, mask);
        store1(c, cOff + ldc, c1, mask);
        store1(c, cOff + 2 * ldc, c2, mask);
        store1(c, cOff + 3 * ldc, c3, mask);
    }

    private static void mk1x1(int k, float[] a, int aOff, int csA, float[] b, int bOff, int ldb,
                              float[] c, int cOff, VectorMask<Float> mask) {
        FloatVector c0 = FloatVector.zero(F);
        for (int p = 0; p < k; p++) {
            c0 = FloatVector.fromArray(F, b, bOff + p * ldb, mask).fma(FloatVector.broadcast(F, a[aOff + p * csA]), c0);
        }
        store1(c, cOff, c0, mask);
    }

    private static void store2(float[] c, int off, FloatVector v0, FloatVector v1) {
        FloatVector.fromArray(F, c, off).add(v0).intoArray(c, off);
        FloatVector.fromArray(F, c, off + L).add(v1).intoArray(c, off + L);
    }

    private static void store1(float[] c, int off, FloatVector v, VectorMask<Float> mask) {
        FloatVector.fromArray(F, c, off, mask).add(v).intoArray(c, off, mask);
    }
}
