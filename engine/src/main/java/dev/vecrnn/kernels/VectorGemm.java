package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked SGEMM on the Vector API, in the style of BLIS: cache blocks over {@code k} ({@link #KC})
 * and {@code m} ({@link #MC}), then register tiles ("micro-kernels", named by tile) that keep every
 * accumulator of a tile in registers for a whole {@code k} block.
 *
 * <ul>
 *   <li><b>Broadcast tiles</b> ({@code mk8x2}, {@code mk6x2}, {@code mk4x2}, {@code mk1x2}: rows of A by two
 *       vectors of B) run {@code NN}, {@code TN} and most {@code NT}. A is read in place; NN and TN differ only in
 *       its strides ({@code a(i,p) = a[i·rsA + p·csA]}). B is read as slivers of {@code 2L} columns, either in
 *       place (row stride {@code ldb}) or packed ({@link #packB}, {@link #packBT}: contiguous, zero-padded,
 *       row stride {@code 2L}). B is packed whole when more than {@link #PACK_MIN_M} rows of A reuse each
 *       sliver (in place, rows 2 KB apart map to a few L1 sets), and always for NT (transposed while packing);
 *       with few rows only a ragged last sliver is packed, so every B load is a full unmasked vector. A ragged
 *       tile is spilled to a small per-thread array and added to C lane by lane.</li>
 *   <li><b>Dot-product tiles</b> ({@code dot4x4} and its edges) run {@code NT} with few rows of A
 *       (m &lt; {@link #NT_PACK_MIN_M}) and k of at least {@link #NT_DOT_MIN_K}: A and B are both contiguous
 *       along k, so 16 vector accumulators of 4 rows of A by 4 rows of B are reduced once per block and B is
 *       never copied; with few rows, transposing B would cost as much as the product.</li>
 * </ul>
 * The broadcast tile is {@code 8 × 2} vectors with 512-bit species (32 registers: 16 accumulators, 2 B vectors,
 * a broadcast) and {@code 6 × 2} for narrower ones (16 registers on AVX2).
 *
 * <p>Vectors live only in locals, and a loop-carried vector is never passed to a method: C2 cannot prove such a
 * call is inlined and boxes the accumulator on every iteration of the loop (this made the first version of the
 * tiles run at 30 GFLOP/s instead of 200). So each tile writes its own C update out.
 *
 * <p>The blocking constants can be overridden with system properties ({@code vecrnn.gemm.kc}, {@code .mc},
 * {@code .packminm}, {@code .pack}, {@code .ntdotmink}, {@code .ntpackminm}, {@code .kcdot}) for tuning; the
 * defaults were measured on an AVX-512 machine (48 KB L1d, 1 MB L2).
 */
final class VectorGemm {
    private VectorGemm() {}

    private static final VectorSpecies<Float> F = VectorKernels.F;
    private static final int L = F.length();
    /** Width of a broadcast tile: two vectors. */
    private static final int NR = 2 * L;
    /** Rows of the main broadcast tile: 8 with 32 vector registers (512-bit species), else 6. */
    static final int MR = L >= 16 ? 8 : 6;
    /** Depth of a cache block: a {@code KC × 2L} sliver of B is 32 KB with 512-bit vectors and stays in L1. */
    static final int KC = positive("vecrnn.gemm.kc", 256);
    /** Rows of A per cache block (a multiple of 8 and of 6): {@code MC × KC} floats of A stay in L2. */
    static final int MC = positive("vecrnn.gemm.mc", 144);
    /** B is packed whole when {@code m} exceeds this. */
    static final int PACK_MIN_M = Integer.getInteger("vecrnn.gemm.packminm", 64);
    /** Tuning override: 1 always packs B, 2 never packs full slivers, 0 decides by {@link #PACK_MIN_M}. */
    static final int PACK = Integer.getInteger("vecrnn.gemm.pack", 0);
    /** NT runs dot-product tiles only for {@code k ≥} this; shallower products transpose B. */
    static final int NT_DOT_MIN_K = Integer.getInteger("vecrnn.gemm.ntdotmink", 4 * L);
    /** NT transposes B into packed slivers (and runs the broadcast tiles) from this many rows of A on. */
    static final int NT_PACK_MIN_M = Integer.getInteger("vecrnn.gemm.ntpackminm", 64);
    /** Depth of a dot-product block for NT. */
    static final int KC_DOT = positive("vecrnn.gemm.kcdot", 1024);

    private static int positive(String property, int dflt) {
        return Math.max(1, Integer.getInteger(property, dflt));
    }

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    static void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (m == 1 && layout == Layout.NN) {
            gemv(n, k, a, aOff, b, bOff, ldb, c, cOff, accumulate);
            return;
        }
        boolean dot = layout == Layout.NT && k >= NT_DOT_MIN_K && m < NT_PACK_MIN_M;
        if (!accumulate && (k == 0 || dot)) zero(c, cOff, ldc, 0, m, n);
        if (k == 0) return;
        if (dot) {
            gemmNT(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            return;
        }
        int rsA = layout == Layout.TN ? 1 : lda;
        int csA = layout == Layout.TN ? lda : 1;
        int slivers = (n + NR - 1) / NR;
        int nLast = n - (slivers - 1) * NR;
        // Pack all of B when its slivers are reused by many row tiles; with few rows, read full slivers in place
        // (a packing pass would cost about as much as the product) and pack only the ragged last one. NT that
        // gets here (shallow k, or many rows) transposes B into the same packed slivers.
        boolean transB = layout == Layout.NT;
        boolean packAll = transB || PACK == 1 || (PACK == 0 && m > PACK_MIN_M);
        int packedSlivers = packAll ? slivers : (nLast == NR ? 0 : 1);
        float[] packed = scratch(Math.min(k, KC) * packedSlivers * NR);
        float[] t = TILE.get();
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            int aP = aOff + pc * csA, bP = bOff + pc * ldb;
            if (transB) {
                packBT(b, bOff + pc, ldb, kc, n, packed);
            } else if (packAll) {
                packB(b, bP, ldb, kc, n, packed);
            } else if (packedSlivers == 1) {
                packB(b, bP + (slivers - 1) * NR, ldb, kc, nLast, packed);
            }
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                int aI = aP + ic * rsA, cI = cOff + ic * ldc;
                // C is zeroed one row block at a time, just before the tiles add into it, so those rows are still
                // in cache (a separate pass over a large C costs a full extra round trip when k is small)
                if (!accumulate && pc == 0) zero(c, cOff, ldc, ic, mc, n);
                for (int s = 0; s < slivers; s++) {
                    int nr = s == slivers - 1 ? nLast : NR;
                    if (packAll) {
                        rowTiles(mc, kc, a, aI, rsA, csA, packed, s * kc * NR, NR, c, cI + s * NR, ldc, nr, t);
                    } else if (nr == NR) {
                        rowTiles(mc, kc, a, aI, rsA, csA, b, bP + s * NR, ldb, c, cI + s * NR, ldc, nr, t);
                    } else {
                        rowTiles(mc, kc, a, aI, rsA, csA, packed, 0, NR, c, cI + s * NR, ldc, nr, t);
                    }
                }
            }
        }
    }

    // ---- GEMV (m = 1, NN) ------------------------------------------------------------------------------

    /**
     * {@code y (+)= x·W} for one row: the batch-1 generation step. The tiles' arithmetic per element, without
     * their packing and spill buffers: over each {@link #KC} block, an FMA chain from zero down the rows of
     * that block, added to {@code y}; so the result is bit-identical to any row of {@link #gemm}. W is streamed
     * once, row by row, eight vectors of columns at a time: eight independent chains hide the FMA latency, and
     * a batch-1 step is bound by reading the weights, not by arithmetic.
     */
    static void gemv(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
                     boolean accumulate) {
        if (n == 0) return;
        if (!accumulate) java.util.Arrays.fill(y, yOff, yOff + n, 0f);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc), xP = xOff + pc, wP = wOff + pc * ldw;
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

    /** One packed sliver of B ({@code nr ≤ 2L} columns of C) against {@code mc} rows of A. */
    private static void rowTiles(int mc, int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                                 float[] c, int cOff, int ldc, int nr, float[] t) {
        int i = 0;
        if (MR == 8) {
            for (; i + 8 <= mc; i += 8) mk8x2(kc, a, aOff + i * rsA, rsA, csA, b, bOff, ldb, c, cOff + i * ldc, ldc, nr, t);
        } else {
            for (; i + 6 <= mc; i += 6) mk6x2(kc, a, aOff + i * rsA, rsA, csA, b, bOff, ldb, c, cOff + i * ldc, ldc, nr, t);
        }
        for (; i + 4 <= mc; i += 4) mk4x2(kc, a, aOff + i * rsA, rsA, csA, b, bOff, ldb, c, cOff + i * ldc, ldc, nr, t);
        for (; i < mc; i++) mk1x2(kc, a, aOff + i * rsA, rsA, csA, b, bOff, ldb, c, cOff + i * ldc, ldc, nr, t);
    }

    /** Zeroes rows {@code [row, row + rows)} of the {@code n} columns of C. */
    private static void zero(float[] c, int cOff, int ldc, int row, int rows, int n) {
        for (int i = row; i < row + rows; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
    }

    private static float[] scratch(int size) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }

    /**
     * Packs {@code rows × cols} of B (row stride {@code ldb}) into slivers of 2L columns: sliver {@code s} holds
     * columns {@code [s·2L, s·2L + 2L)} as {@code rows} consecutive runs of 2L floats, zero-padded on the right.
     * Contiguous slivers stay in L1 while the micro-kernels sweep down A; rows of B read in place are 2 KB apart
     * and fall into a handful of L1 sets.
     */
    static void packB(float[] b, int off, int ldb, int rows, int cols, float[] dst) {
        int full = cols / NR, rest = cols - full * NR;
        int sliver = rows * NR;
        for (int p = 0; p < rows; p++) {
            int src = off + p * ldb, d = p * NR;
            for (int s = 0; s < full; s++, src += NR, d += sliver) {
                FloatVector.fromArray(F, b, src).intoArray(dst, d);
                FloatVector.fromArray(F, b, src + L).intoArray(dst, d + L);
            }
            if (rest != 0) {
                for (int q = 0; q < rest; q++) dst[d + q] = b[src + q];
                for (int q = rest; q < NR; q++) dst[d + q] = 0f;
            }
        }
    }

    /**
     * Like {@link #packB} for {@code op(B) = Bᵀ}: B is stored {@code (n, k)}, and the {@code rows × cols} block of
     * {@code Bᵀ} starting at {@code off} (row {@code j} of B is column {@code j} of the block) is transposed
     * into zero-padded slivers.
     */
    static void packBT(float[] b, int off, int ldb, int rows, int cols, float[] dst) {
        int sliver = rows * NR;
        int slivers = (cols + NR - 1) / NR;
        for (int s = 0; s < slivers; s++) {
            int base = s * sliver, j0 = s * NR, w = Math.min(NR, cols - j0);
            for (int jj = 0; jj < w; jj++) {
                int src = off + (j0 + jj) * ldb, d = base + jj;
                for (int p = 0; p < rows; p++) dst[d + p * NR] = b[src + p];
            }
            for (int jj = w; jj < NR; jj++) for (int p = 0; p < rows; p++) dst[base + jj + p * NR] = 0f;
        }
    }

    // ---- broadcast micro-kernels: A in place (strides rsA, csA), B slivers of 2L columns (row stride ldb) ----

    /** 8 rows of A by 2 vectors of B: {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    private static void mk8x2(int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, int nr, float[] t) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        int a0 = aOff, a1 = a0 + rsA, a2 = a1 + rsA, a3 = a2 + rsA, a4 = a3 + rsA, a5 = a4 + rsA, a6 = a5 + rsA, a7 = a6 + rsA;
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            int ap = p * csA;
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a[a1 + ap]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a[a2 + ap]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a[a3 + ap]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, a[a4 + ap]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(F, a[a5 + ap]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(F, a[a6 + ap]);
            c60 = b0.fma(x, c60);
            c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(F, a[a7 + ap]);
            c70 = b0.fma(x, c70);
            c71 = b1.fma(x, c71);
        }
        // the C update is written out here: a loop-carried vector passed to a method that is not
        // inlined gets boxed on every iteration of the loop above
        if (nr == NR) {
            int o0 = cOff;
            FloatVector.fromArray(F, c, o0).add(c00).intoArray(c, o0);
            FloatVector.fromArray(F, c, o0 + L).add(c01).intoArray(c, o0 + L);
            int o1 = cOff + ldc;
            FloatVector.fromArray(F, c, o1).add(c10).intoArray(c, o1);
            FloatVector.fromArray(F, c, o1 + L).add(c11).intoArray(c, o1 + L);
            int o2 = cOff + 2 * ldc;
            FloatVector.fromArray(F, c, o2).add(c20).intoArray(c, o2);
            FloatVector.fromArray(F, c, o2 + L).add(c21).intoArray(c, o2 + L);
            int o3 = cOff + 3 * ldc;
            FloatVector.fromArray(F, c, o3).add(c30).intoArray(c, o3);
            FloatVector.fromArray(F, c, o3 + L).add(c31).intoArray(c, o3 + L);
            int o4 = cOff + 4 * ldc;
            FloatVector.fromArray(F, c, o4).add(c40).intoArray(c, o4);
            FloatVector.fromArray(F, c, o4 + L).add(c41).intoArray(c, o4 + L);
            int o5 = cOff + 5 * ldc;
            FloatVector.fromArray(F, c, o5).add(c50).intoArray(c, o5);
            FloatVector.fromArray(F, c, o5 + L).add(c51).intoArray(c, o5 + L);
            int o6 = cOff + 6 * ldc;
            FloatVector.fromArray(F, c, o6).add(c60).intoArray(c, o6);
            FloatVector.fromArray(F, c, o6 + L).add(c61).intoArray(c, o6 + L);
            int o7 = cOff + 7 * ldc;
            FloatVector.fromArray(F, c, o7).add(c70).intoArray(c, o7);
            FloatVector.fromArray(F, c, o7 + L).add(c71).intoArray(c, o7 + L);
        } else {
            c00.intoArray(t, 0 * L);
            c01.intoArray(t, 1 * L);
            c10.intoArray(t, 2 * L);
            c11.intoArray(t, 3 * L);
            c20.intoArray(t, 4 * L);
            c21.intoArray(t, 5 * L);
            c30.intoArray(t, 6 * L);
            c31.intoArray(t, 7 * L);
            c40.intoArray(t, 8 * L);
            c41.intoArray(t, 9 * L);
            c50.intoArray(t, 10 * L);
            c51.intoArray(t, 11 * L);
            c60.intoArray(t, 12 * L);
            c61.intoArray(t, 13 * L);
            c70.intoArray(t, 14 * L);
            c71.intoArray(t, 15 * L);
            addTile(t, 8, nr, c, cOff, ldc);
        }
    }

    /** 6 rows of A by 2 vectors of B: {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    private static void mk6x2(int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, int nr, float[] t) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        int a0 = aOff, a1 = a0 + rsA, a2 = a1 + rsA, a3 = a2 + rsA, a4 = a3 + rsA, a5 = a4 + rsA;
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            int ap = p * csA;
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a[a1 + ap]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a[a2 + ap]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a[a3 + ap]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, a[a4 + ap]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(F, a[a5 + ap]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
        }
        // the C update is written out here: a loop-carried vector passed to a method that is not
        // inlined gets boxed on every iteration of the loop above
        if (nr == NR) {
            int o0 = cOff;
            FloatVector.fromArray(F, c, o0).add(c00).intoArray(c, o0);
            FloatVector.fromArray(F, c, o0 + L).add(c01).intoArray(c, o0 + L);
            int o1 = cOff + ldc;
            FloatVector.fromArray(F, c, o1).add(c10).intoArray(c, o1);
            FloatVector.fromArray(F, c, o1 + L).add(c11).intoArray(c, o1 + L);
            int o2 = cOff + 2 * ldc;
            FloatVector.fromArray(F, c, o2).add(c20).intoArray(c, o2);
            FloatVector.fromArray(F, c, o2 + L).add(c21).intoArray(c, o2 + L);
            int o3 = cOff + 3 * ldc;
            FloatVector.fromArray(F, c, o3).add(c30).intoArray(c, o3);
            FloatVector.fromArray(F, c, o3 + L).add(c31).intoArray(c, o3 + L);
            int o4 = cOff + 4 * ldc;
            FloatVector.fromArray(F, c, o4).add(c40).intoArray(c, o4);
            FloatVector.fromArray(F, c, o4 + L).add(c41).intoArray(c, o4 + L);
            int o5 = cOff + 5 * ldc;
            FloatVector.fromArray(F, c, o5).add(c50).intoArray(c, o5);
            FloatVector.fromArray(F, c, o5 + L).add(c51).intoArray(c, o5 + L);
        } else {
            c00.intoArray(t, 0 * L);
            c01.intoArray(t, 1 * L);
            c10.intoArray(t, 2 * L);
            c11.intoArray(t, 3 * L);
            c20.intoArray(t, 4 * L);
            c21.intoArray(t, 5 * L);
            c30.intoArray(t, 6 * L);
            c31.intoArray(t, 7 * L);
            c40.intoArray(t, 8 * L);
            c41.intoArray(t, 9 * L);
            c50.intoArray(t, 10 * L);
            c51.intoArray(t, 11 * L);
            addTile(t, 6, nr, c, cOff, ldc);
        }
    }

    /** 4 rows of A by 2 vectors of B: {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    private static void mk4x2(int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, int nr, float[] t) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        int a0 = aOff, a1 = a0 + rsA, a2 = a1 + rsA, a3 = a2 + rsA;
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            int ap = p * csA;
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a[a1 + ap]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a[a2 + ap]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a[a3 + ap]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
        }
        // the C update is written out here: a loop-carried vector passed to a method that is not
        // inlined gets boxed on every iteration of the loop above
        if (nr == NR) {
            int o0 = cOff;
            FloatVector.fromArray(F, c, o0).add(c00).intoArray(c, o0);
            FloatVector.fromArray(F, c, o0 + L).add(c01).intoArray(c, o0 + L);
            int o1 = cOff + ldc;
            FloatVector.fromArray(F, c, o1).add(c10).intoArray(c, o1);
            FloatVector.fromArray(F, c, o1 + L).add(c11).intoArray(c, o1 + L);
            int o2 = cOff + 2 * ldc;
            FloatVector.fromArray(F, c, o2).add(c20).intoArray(c, o2);
            FloatVector.fromArray(F, c, o2 + L).add(c21).intoArray(c, o2 + L);
            int o3 = cOff + 3 * ldc;
            FloatVector.fromArray(F, c, o3).add(c30).intoArray(c, o3);
            FloatVector.fromArray(F, c, o3 + L).add(c31).intoArray(c, o3 + L);
        } else {
            c00.intoArray(t, 0 * L);
            c01.intoArray(t, 1 * L);
            c10.intoArray(t, 2 * L);
            c11.intoArray(t, 3 * L);
            c20.intoArray(t, 4 * L);
            c21.intoArray(t, 5 * L);
            c30.intoArray(t, 6 * L);
            c31.intoArray(t, 7 * L);
            addTile(t, 4, nr, c, cOff, ldc);
        }
    }

    /** 1 rows of A by 2 vectors of B: {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    private static void mk1x2(int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, int nr, float[] t) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        int a0 = aOff;
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            int ap = p * csA;
            FloatVector x = FloatVector.broadcast(F, a[a0 + ap]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
        }
        // the C update is written out here: a loop-carried vector passed to a method that is not
        // inlined gets boxed on every iteration of the loop above
        if (nr == NR) {
            int o0 = cOff;
            FloatVector.fromArray(F, c, o0).add(c00).intoArray(c, o0);
            FloatVector.fromArray(F, c, o0 + L).add(c01).intoArray(c, o0 + L);
        } else {
            c00.intoArray(t, 0 * L);
            c01.intoArray(t, 1 * L);
            addTile(t, 1, nr, c, cOff, ldc);
        }
    }


    /** {@code C[r][0, nr) += t[r·2L + (0, nr)]} for the first {@code rows} rows of a tile spilled to {@code t}. */
    private static void addTile(float[] t, int rows, int nr, float[] c, int cOff, int ldc) {
        for (int r = 0; r < rows; r++) {
            int o = cOff + r * ldc, s = r * NR;
            for (int q = 0; q < nr; q++) c[o + q] += t[s + q];
        }
    }

    // ---- dot-product micro-kernels (NT) -------------------------------------------------------------

    /** {@code C += A·Bᵀ}: A {@code (m, k)} and B {@code (n, k)}, both contiguous along k. */
    private static void gemmNT(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
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
