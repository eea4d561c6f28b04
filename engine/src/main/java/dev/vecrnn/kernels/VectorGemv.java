package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one-row product {@code y (+)= x·W} of batch-1 generation, beside {@link VectorGemm}: no packing and no
 * tiles, each weight read once. Like {@code VectorGemm}, it touches {@code jdk.incubator.vector} and is loaded
 * only through {@link VectorKernels}.
 */
final class VectorGemv {
    private VectorGemv() {}

    private static final VectorSpecies<Float> F = VectorKernels.F;
    private static final int L = F.length();

    /**
     * {@code y (+)= x·W} for one row: the batch-1 generation step. The tiles' arithmetic per element, without
     * their packing and spill buffers: over each k block ({@link VectorGemm#kBlocks}), an FMA chain from zero down the rows of
     * that block, added to {@code y}; so the result is bit-identical to any row of {@link VectorGemm#gemm}. W is streamed
     * once, row by row, eight vectors of columns at a time: eight independent chains hide the FMA latency, and
     * a batch-1 step is bound by reading the weights, not by arithmetic.
     */
    static void gemv(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
                     boolean accumulate) {
        if (n == 0) return;
        if (!accumulate) java.util.Arrays.fill(y, yOff, yOff + n, 0f);
        for (int kb = 0, nb = VectorGemm.kBlocks(k); kb < nb; kb++) {
            int pc = VectorGemm.kBlockStart(k, kb, nb), kc = VectorGemm.kBlockStart(k, kb + 1, nb) - pc;
            int xP = xOff + pc, wP = wOff + pc * ldw;
            int j = 0;
            for (; j + 8 * L <= n; j += 8 * L) gemv8(kc, x, xP, w, wP + j, ldw, y, yOff + j);
            for (; j + L <= n; j += L) gemv1(kc, x, xP, w, wP + j, ldw, y, yOff + j);
            // ragged columns (the output layer's 28 = 16 + 12): four chains at a time, so the FMA latency
            // is hidden as in the vector loops
            for (; j + 4 <= n; j += 4) {
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
                for (int p = 0; p < kc; p++) {
                    float xp = x[xP + p];
                    int r = wP + p * ldw + j;
                    s0 = Math.fma(xp, w[r], s0);
                    s1 = Math.fma(xp, w[r + 1], s1);
                    s2 = Math.fma(xp, w[r + 2], s2);
                    s3 = Math.fma(xp, w[r + 3], s3);
                }
                y[yOff + j] += s0;
                y[yOff + j + 1] += s1;
                y[yOff + j + 2] += s2;
                y[yOff + j + 3] += s3;
            }
            for (; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < kc; p++) s = Math.fma(x[xP + p], w[wP + p * ldw + j], s);
                y[yOff + j] += s;
            }
        }
    }

    /**
     * {@link #gemv} on W packed in panels ({@link PackedPanel}, {@code ldk} rows): each panel is one contiguous
     * stream, and the arithmetic per element is {@link #gemv}'s, so the bits are those of a row of the
     * {@link Layout#NP} product.
     */
    static void gemvPanels(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldk, float[] y, int yOff,
                           boolean accumulate) {
        if (n == 0) return;
        if (!accumulate) java.util.Arrays.fill(y, yOff, yOff + n, 0f);
        int pw = PackedPanel.WIDTH;
        for (int kb = 0, nb = VectorGemm.kBlocks(k); kb < nb; kb++) {
            int pc = VectorGemm.kBlockStart(k, kb, nb), kc = VectorGemm.kBlockStart(k, kb + 1, nb) - pc, xP = xOff + pc;
            int j = 0;
            for (; j + 8 * L <= n; j += 8 * L) {
                gemv8Panels(kc, x, xP, w, wOff + PackedPanel.index(ldk, pc, j), wOff + PackedPanel.index(ldk, pc, j + L),
                        wOff + PackedPanel.index(ldk, pc, j + 2 * L), wOff + PackedPanel.index(ldk, pc, j + 3 * L),
                        wOff + PackedPanel.index(ldk, pc, j + 4 * L), wOff + PackedPanel.index(ldk, pc, j + 5 * L),
                        wOff + PackedPanel.index(ldk, pc, j + 6 * L), wOff + PackedPanel.index(ldk, pc, j + 7 * L),
                        y, yOff + j);
            }
            for (; j + L <= n; j += L) gemv1(kc, x, xP, w, wOff + PackedPanel.index(ldk, pc, j), pw, y, yOff + j);
            for (; j < n; j++) {
                float s = 0f;
                int r = wOff + PackedPanel.index(ldk, pc, j);
                for (int p = 0; p < kc; p++) s = Math.fma(x[xP + p], w[r + p * pw], s);
                y[yOff + j] += s;
            }
        }
    }

    /**
     * Eight vectors of columns of {@link #gemvPanels} over one k block, vector {@code v} from {@code wv} in its
     * panel, every one read at the constant stride of a panel row.
     */
    private static void gemv8Panels(int kc, float[] x, int xOff, float[] w, int w0, int w1, int w2, int w3, int w4,
                                    int w5, int w6, int w7, float[] y, int yOff) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        FloatVector s4 = FloatVector.zero(F), s5 = FloatVector.zero(F), s6 = FloatVector.zero(F), s7 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            FloatVector xp = FloatVector.broadcast(F, x[xOff + p]);
            int r = p * PackedPanel.WIDTH;
            s0 = FloatVector.fromArray(F, w, w0 + r).fma(xp, s0);
            s1 = FloatVector.fromArray(F, w, w1 + r).fma(xp, s1);
            s2 = FloatVector.fromArray(F, w, w2 + r).fma(xp, s2);
            s3 = FloatVector.fromArray(F, w, w3 + r).fma(xp, s3);
            s4 = FloatVector.fromArray(F, w, w4 + r).fma(xp, s4);
            s5 = FloatVector.fromArray(F, w, w5 + r).fma(xp, s5);
            s6 = FloatVector.fromArray(F, w, w6 + r).fma(xp, s6);
            s7 = FloatVector.fromArray(F, w, w7 + r).fma(xp, s7);
        }
        FloatVector.fromArray(F, y, yOff).add(s0).intoArray(y, yOff);
        FloatVector.fromArray(F, y, yOff + L).add(s1).intoArray(y, yOff + L);
        FloatVector.fromArray(F, y, yOff + 2 * L).add(s2).intoArray(y, yOff + 2 * L);
        FloatVector.fromArray(F, y, yOff + 3 * L).add(s3).intoArray(y, yOff + 3 * L);
        FloatVector.fromArray(F, y, yOff + 4 * L).add(s4).intoArray(y, yOff + 4 * L);
        FloatVector.fromArray(F, y, yOff + 5 * L).add(s5).intoArray(y, yOff + 5 * L);
        FloatVector.fromArray(F, y, yOff + 6 * L).add(s6).intoArray(y, yOff + 6 * L);
        FloatVector.fromArray(F, y, yOff + 7 * L).add(s7).intoArray(y, yOff + 7 * L);
    }

    /** Eight vectors of columns of {@link #gemv} over one k block. */
    private static void gemv8(int kc, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
        FloatVector s4 = FloatVector.zero(F), s5 = FloatVector.zero(F), s6 = FloatVector.zero(F), s7 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            FloatVector xp = FloatVector.broadcast(F, x[xOff + p]);
            int r = wOff + p * ldw;
            s0 = FloatVector.fromArray(F, w, r).fma(xp, s0);
            s1 = FloatVector.fromArray(F, w, r + L).fma(xp, s1);
            s2 = FloatVector.fromArray(F, w, r + 2 * L).fma(xp, s2);
            s3 = FloatVector.fromArray(F, w, r + 3 * L).fma(xp, s3);
            s4 = FloatVector.fromArray(F, w, r + 4 * L).fma(xp, s4);
            s5 = FloatVector.fromArray(F, w, r + 5 * L).fma(xp, s5);
            s6 = FloatVector.fromArray(F, w, r + 6 * L).fma(xp, s6);
            s7 = FloatVector.fromArray(F, w, r + 7 * L).fma(xp, s7);
        }
        FloatVector.fromArray(F, y, yOff).add(s0).intoArray(y, yOff);
        FloatVector.fromArray(F, y, yOff + L).add(s1).intoArray(y, yOff + L);
        FloatVector.fromArray(F, y, yOff + 2 * L).add(s2).intoArray(y, yOff + 2 * L);
        FloatVector.fromArray(F, y, yOff + 3 * L).add(s3).intoArray(y, yOff + 3 * L);
        FloatVector.fromArray(F, y, yOff + 4 * L).add(s4).intoArray(y, yOff + 4 * L);
        FloatVector.fromArray(F, y, yOff + 5 * L).add(s5).intoArray(y, yOff + 5 * L);
        FloatVector.fromArray(F, y, yOff + 6 * L).add(s6).intoArray(y, yOff + 6 * L);
        FloatVector.fromArray(F, y, yOff + 7 * L).add(s7).intoArray(y, yOff + 7 * L);
    }

    /** One vector of columns of {@link #gemv} over one k block. */
    private static void gemv1(int kc, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff) {
        FloatVector s = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) s = FloatVector.fromArray(F, w, wOff + p * ldw).fma(FloatVector.broadcast(F, x[xOff + p]), s);
        FloatVector.fromArray(F, y, yOff).add(s).intoArray(y, yOff);
    }
}
