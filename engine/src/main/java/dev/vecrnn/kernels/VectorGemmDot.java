package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorGemm}'s NT path for few rows of A ({@link VectorGemm.Path#NT_DOT4X4}): A and B are both
 * contiguous along k, so tiles of dot products read both in place and reduce once per block of
 * {@code KC_DOT}, with no transposition. Its own file because it sums in another order than the broadcast
 * kernels (lane reductions in place of one FMA chain per element).
 */
final class VectorGemmDot {
    private VectorGemmDot() {}

    private static final VectorSpecies<Float> F = VectorKernels.F;
    private static final int L = F.length();
    private static final int KC_DOT = VectorGemm.KC_DOT;
    private static final int MC = VectorGemm.MC;

    /** {@code C += A·Bᵀ}: A {@code (m, k)} and B {@code (n, k)}, both contiguous along k. */
    static void gemmNT(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float[] c, int cOff, int ldc) {
        for (int pc = 0; pc < k; pc += KC_DOT) {
            int kc = Math.min(KC_DOT, k - pc);
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                int j = 0;
                for (; j + 4 <= n; j += 4) {
                    int bj = bOff + j * ldb + pc;
                    int i = ic, iEnd = ic + mc;
                    for (; i + 4 <= iEnd; i += 4) dot4x4(kc, a, aOff + i * lda + pc, lda, b, bj, ldb, c, cOff + i * ldc + j, ldc);
                    for (; i < iEnd; i++) dot1x4(kc, a, aOff + i * lda + pc, b, bj, ldb, c, cOff + i * ldc + j);
                }
                for (; j < n; j++) {
                    int bj = bOff + j * ldb + pc;
                    int i = ic, iEnd = ic + mc;
                    for (; i + 4 <= iEnd; i += 4) dot4x1(kc, a, aOff + i * lda + pc, lda, b, bj, c, cOff + i * ldc + j, ldc);
                    for (; i < iEnd; i++) c[cOff + i * ldc + j] += dot1x1(kc, a, aOff + i * lda + pc, b, bj);
                }
            }
        }
    }

    private static void dot4x4(int kc, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float[] c, int cOff, int ldc) {
        FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s02 = FloatVector.zero(F), s03 = FloatVector.zero(F);
        FloatVector s10 = FloatVector.zero(F), s11 = FloatVector.zero(F), s12 = FloatVector.zero(F), s13 = FloatVector.zero(F);
        FloatVector s20 = FloatVector.zero(F), s21 = FloatVector.zero(F), s22 = FloatVector.zero(F), s23 = FloatVector.zero(F);
        FloatVector s30 = FloatVector.zero(F), s31 = FloatVector.zero(F), s32 = FloatVector.zero(F), s33 = FloatVector.zero(F);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int b0 = bOff, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        int p = 0;
        for (int upper = kc - L + 1; p < upper; p += L) {
            FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(F, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(F, a, a2 + p);
            FloatVector x3 = FloatVector.fromArray(F, a, a3 + p);
            FloatVector y = FloatVector.fromArray(F, b, b0 + p);
            s00 = x0.fma(y, s00);
            s10 = x1.fma(y, s10);
            s20 = x2.fma(y, s20);
            s30 = x3.fma(y, s30);
            y = FloatVector.fromArray(F, b, b1 + p);
            s01 = x0.fma(y, s01);
            s11 = x1.fma(y, s11);
            s21 = x2.fma(y, s21);
            s31 = x3.fma(y, s31);
            y = FloatVector.fromArray(F, b, b2 + p);
            s02 = x0.fma(y, s02);
            s12 = x1.fma(y, s12);
            s22 = x2.fma(y, s22);
            s32 = x3.fma(y, s32);
            y = FloatVector.fromArray(F, b, b3 + p);
            s03 = x0.fma(y, s03);
            s13 = x1.fma(y, s13);
            s23 = x2.fma(y, s23);
            s33 = x3.fma(y, s33);
        }
        int r0 = cOff, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        c[r0] += s00.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a0, b, b0);
        c[r0 + 1] += s01.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a0, b, b1);
        c[r0 + 2] += s02.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a0, b, b2);
        c[r0 + 3] += s03.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a0, b, b3);
        c[r1] += s10.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a1, b, b0);
        c[r1 + 1] += s11.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a1, b, b1);
        c[r1 + 2] += s12.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a1, b, b2);
        c[r1 + 3] += s13.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a1, b, b3);
        c[r2] += s20.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a2, b, b0);
        c[r2 + 1] += s21.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a2, b, b1);
        c[r2 + 2] += s22.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a2, b, b2);
        c[r2 + 3] += s23.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a2, b, b3);
        c[r3] += s30.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a3, b, b0);
        c[r3 + 1] += s31.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a3, b, b1);
        c[r3 + 2] += s32.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a3, b, b2);
        c[r3 + 3] += s33.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a3, b, b3);
    }

    private static void dot1x4(int kc, float[] a, int aOff, float[] b, int bOff, int ldb, float[] c, int cOff) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        int b0 = bOff, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        int p = 0;
        for (int upper = kc - L + 1; p < upper; p += L) {
            FloatVector x = FloatVector.fromArray(F, a, aOff + p);
            s0 = x.fma(FloatVector.fromArray(F, b, b0 + p), s0);
            s1 = x.fma(FloatVector.fromArray(F, b, b1 + p), s1);
            s2 = x.fma(FloatVector.fromArray(F, b, b2 + p), s2);
            s3 = x.fma(FloatVector.fromArray(F, b, b3 + p), s3);
        }
        c[cOff] += s0.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, aOff, b, b0);
        c[cOff + 1] += s1.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, aOff, b, b1);
        c[cOff + 2] += s2.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, aOff, b, b2);
        c[cOff + 3] += s3.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, aOff, b, b3);
    }

    private static void dot4x1(int kc, float[] a, int aOff, int lda, float[] b, int bOff, float[] c, int cOff, int ldc) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int p = 0;
        for (int upper = kc - L + 1; p < upper; p += L) {
            FloatVector y = FloatVector.fromArray(F, b, bOff + p);
            s0 = FloatVector.fromArray(F, a, a0 + p).fma(y, s0);
            s1 = FloatVector.fromArray(F, a, a1 + p).fma(y, s1);
            s2 = FloatVector.fromArray(F, a, a2 + p).fma(y, s2);
            s3 = FloatVector.fromArray(F, a, a3 + p).fma(y, s3);
        }
        c[cOff] += s0.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a0, b, bOff);
        c[cOff + ldc] += s1.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a1, b, bOff);
        c[cOff + 2 * ldc] += s2.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a2, b, bOff);
        c[cOff + 3 * ldc] += s3.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, a3, b, bOff);
    }

    private static float dot1x1(int kc, float[] a, int aOff, float[] b, int bOff) {
        FloatVector s = FloatVector.zero(F);
        int p = 0;
        for (int upper = kc - L + 1; p < upper; p += L) {
            s = FloatVector.fromArray(F, a, aOff + p).fma(FloatVector.fromArray(F, b, bOff + p), s);
        }
        return s.reduceLanes(VectorOperators.ADD) + tail(kc, p, a, aOff, b, bOff);
    }

    /** The scalar remainder {@code Σ_{q ∈ [p, kc)} a[aOff+q]·b[bOff+q]} of a dot product (fewer than L terms). */
    private static float tail(int kc, int p, float[] a, int aOff, float[] b, int bOff) {
        float s = 0f;
        for (int q = p; q < kc; q++) s = Math.fma(a[aOff + q], b[bOff + q], s);
        return s;
    }
}
