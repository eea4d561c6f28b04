package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked SGEMM on the Vector API, in the style of BLIS: cache blocks over {@code k} ({@link #KC})
 * and {@code m} ({@link #MC}), then register tiles ("micro-kernels", named by tile) that keep every
 * accumulator of a tile in registers for a whole {@code k} block.
 *
 * <ul>
 *   <li><b>Broadcast tiles</b> ({@link VectorGemmTiles}: {@code mk8x2}, {@code mk6x2}, {@code mk4x2},
 *       {@code mk1x2}: rows of A by two vectors of B) run {@code NN}, {@code TN} and most {@code NT}. A is read in place; NN and TN differ only in
 *       its strides ({@code a(i,p) = a[i·rsA + p·csA]}). B is read as slivers of {@code 2L} columns, either in
 *       place (row stride {@code ldb}) or packed ({@link #packB}, {@link #packBT}: contiguous, zero-padded,
 *       row stride {@code 2L}). B is packed whole when more than {@link #PACK_MIN_M} rows of A reuse each
 *       sliver (in place, rows 2 KB apart map to a few L1 sets), and always for NT (transposed while packing);
 *       with few rows only a ragged last sliver is packed, so every B load is a full unmasked vector. A ragged
 *       tile is spilled to a small per-thread array and added to C lane by lane. A is packed
 *       ({@link #packA}: panels of {@code MR} rows, or {@link #WIDE_PANEL} for TN with B packed, contiguous per
 *       k) whenever enough slivers of B reuse it, and the 8-row tile then reads it through {@code mk8x2Panel},
 *       {@code mk8x2Packed} or {@code mk8x2Packed16} at a constant stride: C2 removes the bounds check
 *       of every broadcast from the loop, which it cannot do for a run-time stride, and for TN the rows of a k
 *       step, 2 KB apart in place for hidden 512, no longer share a few L1 sets. Measured on Zen 5, JDK 25, with
 *       {@code GemmPathDuel} (interleaved bursts): 32x512x512 NN 117 µs packed against 146 in place,
 *       32x512x2048 NN 502 against 598, 512x560x512 TN 2109 against 2664, 512x1120x512 NN 4041 against 5081.
 *       Packing changes
 *       no summation order. The loop nests are named in {@link Path}.</li>
 *   <li><b>Pre-packed B</b> ({@link Layout#NP}, {@link Path#PACKED_PANELS}): the recurrent weights, packed once per
 *       minibatch into {@link PackedPanel}s, run the same tiles with B read at the constant stride of a panel;
 *       batch-1 steps run {@link VectorGemv#gemvPanels}. Same bits as {@code NN}.</li>
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
    /**
     * Rows of A per packed panel for TN with B packed ({@link #packA}; 0: none): two 8-row tiles with 512-bit
     * vectors, so a step's rows of a panel are one vector and packing is vector copies, where 8-float copies took
     * 177 µs of a 3.2 ms 512x1120x512 product (packing B's vectors 62). Other products keep panels of
     * {@link #MR} rows: for the few-row NP products, a 16-row panel beside a sliver of B overflows L1 (measured
     * 16x256x1024 NP 50 against 47 µs).
     */
    static final int WIDE_PANEL = MR == 8 && L == 16 ? 16 : 0;
    /**
     * Most steps of k in one cache block ({@link #kBlocks}). Deeper than L1 alone would suggest (a sliver of B
     * {@code 2L} wide is 80 KB at 640 steps, read from L2): every block costs the tiles a round trip through C.
     * Measured on Zen 5, JDK 25, with KC switched between interleaved 30 ms bursts in one JVM, against blocks of
     * at most 256: 512x1120x512 TN 3457 against 3632 µs, 256x560x256 TN 439 against 457 (560 had been cut
     * 256 + 256 + 48), 560x512x512 NN 1629 against 1652, 16x1024x256 NP 52.3 against 55.6, 32x512x2048 NP
     * 358 against 386.
     */
    static final int KC = positive("vecrnn.gemm.kc", 640);
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
    /**
     * A is packed when at least this many columns of B reuse it: with one or two slivers the packing pass costs
     * more than the bounds checks it saves (measured on Zen 5, JDK 25: 512x560x28 TN 352 µs packed against 191).
     */
    static final int PACK_A_MIN_N = Integer.getInteger("vecrnn.gemm.packaminn", 4 * NR);
    /** Tuning override for packing A: 1 always, 2 never, 0 by shape ({@link #PACK_A_MIN_N}). */
    static final int PACK_A = Integer.getInteger("vecrnn.gemm.packa", 0);
    /**
     * NT with few rows of A swaps operands ({@link Path#NT_SWAP}) from this many rows on; below, dot tiles. Off by
     * default (equal to {@link #NT_PACK_MIN_M}): on JDK 25 under load it measured 158-172 µs against 136-160 for
     * {@code dot4x4} on 32x512x512 NT, and 1776 against 608 µs on 32x1024x1024 (the 8 rows of B it broadcasts
     * are 4 KB apart).
     */
    static final int NT_SWAP_MIN_M = Integer.getInteger("vecrnn.gemm.ntswapminm", NT_PACK_MIN_M);
    /** Depth of a dot-product block for NT. */
    static final int KC_DOT = positive("vecrnn.gemm.kcdot", 1024);

    private static int positive(String property, int dflt) {
        return Math.max(1, Integer.getInteger(property, dflt));
    }

    /** Cache blocks over k: as few as {@link #KC} allows, as equal as can be (560 is one block, 1120 two of 560). */
    static int kBlocks(int k) {
        return Math.max(1, (k + KC - 1) / KC);
    }

    /** Where block {@code b} of the {@code nb = kBlocks(k)} blocks of k starts ({@code b = nb}: k). */
    static int kBlockStart(int k, int b, int nb) {
        return (int) ((long) k * b / nb);
    }

    /** The deepest block of k: what scratch space per block must hold. */
    static int kBlockMax(int k) {
        int nb = kBlocks(k);
        return (k + nb - 1) / nb;
    }

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    /** Packed B (or, for {@link Path#NT_SWAP}, packed Aᵀ). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);
    /** Packed panels of A. */
    private static final ThreadLocal<float[][]> SCRATCH_A = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * The loop nests, named for their micro-kernels and what they pack; {@link #choose} picks one per call from the
     * shape alone (never from the thread or JIT state), so a shape always sums in the same order. Tests and
     * benchmarks force each one ({@code vecrnn.gemm.path}).
     */
    enum Path {
        /** Broadcast tiles over A in place, B in place (only a ragged last sliver packed); NT transposes B. */
        BCAST_B_IN_PLACE,
        /** Broadcast tiles over A in place, every sliver of B packed (NT: transposed while packing). */
        BCAST_PACK_B,
        /** Broadcast tiles over A packed in panels of {@code MR} rows and B packed: both streams contiguous. */
        BCAST_PACK_AB,
        /**
         * A packed in panels of {@code MR} rows, B in place as in {@link #BCAST_B_IN_PLACE}: few rows of A reused by
         * many slivers of B. A panel's row {@code r} at step {@code p} is at a constant stride ({@code p·MR + r}), so
         * C2 removes its bounds checks from the tile's loop, which it cannot for a stride only known at run time.
         */
        BCAST_PACK_A,
        /** NT only: {@code dot4x4} tiles, A and B both read along k in place, reduced once per block. */
        NT_DOT4X4,
        /**
         * NT only: {@code Cᵀ = B·Aᵀ} on the broadcast tiles, rows of B broadcast in place and {@code Aᵀ} packed
         * (few rows of A: cheap to transpose), each tile added to C transposed.
         */
        NT_SWAP,
        /**
         * {@link Layout#NP} only: B read from its pre-packed panels ({@link PackedPanel}), none of it copied; A
         * packed in panels of {@code MR} rows when enough columns reuse it, as in {@link #BCAST_PACK_A}.
         */
        PACKED_PANELS
    }

    /** A forced {@link Path} (tuning and tests), or null to choose by shape. */
    private static final Path FORCED = forced();

    private static Path forced() {
        String s = System.getProperty("vecrnn.gemm.path", "");
        return s.isEmpty() ? null : Path.valueOf(s);
    }

    static Path choose(Layout layout, int m, int n, int k) {
        if (layout == Layout.NP) return Path.PACKED_PANELS;
        if (FORCED != null && (FORCED.ordinal() < Path.NT_DOT4X4.ordinal() || layout == Layout.NT)) return FORCED;
        if (layout == Layout.NT && k >= NT_DOT_MIN_K && m < NT_PACK_MIN_M) {
            return m >= NT_SWAP_MIN_M ? Path.NT_SWAP : Path.NT_DOT4X4;
        }
        boolean packAll = PACK == 1 || (PACK == 0 && m > PACK_MIN_M);
        boolean packA = PACK_A == 1 || (PACK_A == 0 && m >= MR && n >= PACK_A_MIN_N);
        if (packAll) return packA ? Path.BCAST_PACK_AB : Path.BCAST_PACK_B;
        if (layout == Layout.NT) return Path.BCAST_PACK_B;
        return packA ? Path.BCAST_PACK_A : Path.BCAST_B_IN_PLACE;
    }

    static void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(choose(layout, m, n, k), layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * Runs {@code path}; {@link Layout#NP} always runs {@link Path#PACKED_PANELS}, and a path of another layout
     * (NT-only, or NP's) falls back to {@link Path#BCAST_PACK_B}.
     */
    static void gemm(Path path, Layout layout, int m, int n, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) return;
        if (layout == Layout.NP) {
            gemmPanels(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        if (m == 1 && layout == Layout.NN) {
            VectorGemv.gemv(n, k, a, aOff, b, bOff, ldb, c, cOff, accumulate);
            return;
        }
        if (path == Path.PACKED_PANELS || layout != Layout.NT && (path == Path.NT_DOT4X4 || path == Path.NT_SWAP)) {
            path = Path.BCAST_PACK_B;
        }
        boolean whole = path == Path.NT_DOT4X4 || path == Path.NT_SWAP;
        if (!accumulate && (k == 0 || whole)) zero(c, cOff, ldc, 0, m, n);
        if (k == 0) return;
        if (path == Path.NT_DOT4X4) {
            VectorGemmDot.gemmNT(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            return;
        }
        if (path == Path.NT_SWAP) {
            gemmNTSwap(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            return;
        }
        int rsA = layout == Layout.TN ? 1 : lda;
        int csA = layout == Layout.TN ? lda : 1;
        int slivers = (n + NR - 1) / NR;
        int nLast = n - (slivers - 1) * NR;
        // Pack all of B when its slivers are reused by many row tiles; with few rows, read full slivers in place
        // (a packing pass would cost about as much as the product) and pack only the ragged last one. NT
        // transposes B into the same packed slivers.
        boolean transB = layout == Layout.NT;
        boolean packAll = transB || (path != Path.BCAST_B_IN_PLACE && path != Path.BCAST_PACK_A);
        boolean packA = path == Path.BCAST_PACK_AB || path == Path.BCAST_PACK_A;
        int packedSlivers = packAll ? slivers : (nLast == NR ? 0 : 1);
        float[] packed = scratch(SCRATCH, kBlockMax(k) * packedSlivers * NR);
        int ph = packA && packAll && rsA == 1 && WIDE_PANEL > 0 ? WIDE_PANEL : MR;
        float[] panels = packA ? scratch(SCRATCH_A, kBlockMax(k) * roundUp(Math.min(m, MC), ph)) : null;
        float[] t = TILE.get();
        for (int kb = 0, nb = kBlocks(k); kb < nb; kb++) {
            int pc = kBlockStart(k, kb, nb), kc = kBlockStart(k, kb + 1, nb) - pc;
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
                int cI = cOff + ic * ldc;
                // the first k block of a product that does not accumulate sets C (every element is in one tile)
                boolean set = !accumulate && pc == 0;
                float[] aa = a;
                int aI = aP + ic * rsA, rs = rsA, cs = csA;
                if (packA) {
                    packA(a, aI, rsA, csA, mc, kc, panels, ph);
                    aa = panels;
                    aI = 0;
                    rs = 1;
                    cs = ph;
                }
                for (int s = 0; s < slivers; s++) {
                    int nr = s == slivers - 1 ? nLast : NR;
                    if (packAll) {
                        rowTiles(mc, kc, aa, aI, rs, cs, packA, ph, packed, s * kc * NR, NR, c, cI + s * NR, ldc, false, nr, t, set);
                    } else if (nr == NR) {
                        rowTiles(mc, kc, aa, aI, rs, cs, packA, ph, b, bP + s * NR, ldb, c, cI + s * NR, ldc, false, nr, t, set);
                    } else {
                        rowTiles(mc, kc, aa, aI, rs, cs, packA, ph, packed, 0, NR, c, cI + s * NR, ldc, false, nr, t, set);
                    }
                }
            }
        }
    }

    /**
     * {@link Layout#NP}: B is already in panels of {@link PackedPanel#WIDTH} columns, so no sliver is copied and
     * every tile reads B at the constant stride {@code WIDTH}; a tile of {@code NR} columns from column {@code j}
     * starts at lane {@code j mod WIDTH} of panel {@code j / WIDTH}. A is packed as in {@link Path#BCAST_PACK_A}.
     * Each element sums its k terms as every other broadcast path does, so the bits are those of {@code NN}.
     */
    private static void gemmPanels(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldk,
                                   float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 1) {
            VectorGemv.gemvPanels(n, k, a, aOff, b, bOff, ldk, c, cOff, accumulate);
            return;
        }
        if (!accumulate && k == 0) zero(c, cOff, ldc, 0, m, n);
        int w = PackedPanel.WIDTH, tiles = (n + NR - 1) / NR, nLast = n - (tiles - 1) * NR;
        boolean packA = PACK_A == 1 || (PACK_A == 0 && m >= MR && n >= PACK_A_MIN_N);
        float[] panels = packA ? scratch(SCRATCH_A, kBlockMax(k) * roundUp(Math.min(m, MC), MR)) : null;
        float[] t = TILE.get();
        for (int kb = 0, nb = kBlocks(k); kb < nb; kb++) {
            int pc = kBlockStart(k, kb, nb), kc = kBlockStart(k, kb + 1, nb) - pc;
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                int cI = cOff + ic * ldc;
                boolean set = !accumulate && pc == 0;
                float[] aa = a;
                int aI = aOff + pc + ic * lda, rs = lda, cs = 1;
                if (packA) {
                    packA(a, aI, lda, 1, mc, kc, panels, MR);
                    aa = panels;
                    aI = 0;
                    rs = 1;
                    cs = MR;
                }
                for (int s = 0; s < tiles; s++) {
                    int j = s * NR, nr = s == tiles - 1 ? nLast : NR;
                    int bT = bOff + (j / w) * ldk * w + j % w + pc * w;
                    rowTiles(mc, kc, aa, aI, rs, cs, packA, MR, b, bT, w, c, cI + j, ldc, false, nr, t, set);
                }
            }
        }
    }

    /**
     * {@code C += A·Bᵀ} computed as {@code Cᵀ += B·Aᵀ}: the n rows of B (contiguous along k) are the broadcast
     * side, read in place, and {@code Aᵀ} is packed into slivers of 2L of the m columns of {@code Cᵀ}. With
     * few rows of A that transposition is small, where transposing B would cost as much as the product.
     * Every element still sums its k terms in order, one FMA each, like the other broadcast paths.
     */
    private static void gemmNTSwap(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                   float[] c, int cOff, int ldc) {
        int slivers = (m + NR - 1) / NR;
        int mLast = m - (slivers - 1) * NR;
        float[] packed = scratch(SCRATCH, kBlockMax(k) * slivers * NR);
        float[] t = TILE.get();
        for (int kb = 0, nb = kBlocks(k); kb < nb; kb++) {
            int pc = kBlockStart(k, kb, nb), kc = kBlockStart(k, kb + 1, nb) - pc;
            packBT(a, aOff + pc, lda, kc, m, packed);
            for (int jc = 0; jc < n; jc += MC) {
                int nc = Math.min(MC, n - jc);
                for (int s = 0; s < slivers; s++) {
                    int mr = s == slivers - 1 ? mLast : NR;
                    rowTiles(nc, kc, b, bOff + jc * ldb + pc, ldb, 1, false, MR, packed, s * kc * NR, NR,
                            c, cOff + s * NR * ldc + jc, ldc, true, mr, t, false);
                }
            }
        }
    }

    /**
     * One sliver of B ({@code nr ≤ 2L} columns of C) against {@code mc} rows of A: A is read at
     * {@code aOff + i·rsA + p·csA}, or, with {@code panels}, from panels of {@code MR} rows ({@link #packA}).
     * With {@code tc} the tiles are blocks of Cᵀ: row {@code i} of the tile is column {@code i} of C.
     */
    private static void rowTiles(int mc, int kc, float[] a, int aOff, int rsA, int csA, boolean panels, int ph,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean tc, int nr, float[] t,
                                 boolean set) {
        int rsC = tc ? 1 : ldc;
        int i = 0;
        if (MR == 8 && panels && ldb == NR && ph == 16) {
            for (; i + 8 <= mc; i += 8) {
                VectorGemmTiles.mk8x2Packed16(kc, a, aOff + rowOffset(i, rsA, true, kc, ph), b, bOff, c, cOff + i * rsC, ldc, tc, nr, t, set);
            }
        } else if (MR == 8 && panels && ldb == NR) {
            for (; i + 8 <= mc; i += 8) {
                VectorGemmTiles.mk8x2Packed(kc, a, aOff + rowOffset(i, rsA, true, kc, ph), b, bOff, c, cOff + i * rsC, ldc, tc, nr, t, set);
            }
        } else if (MR == 8 && panels) {
            for (; i + 8 <= mc; i += 8) {
                VectorGemmTiles.mk8x2Panel(kc, a, aOff + rowOffset(i, rsA, true, kc, ph), b, bOff, ldb, c, cOff + i * rsC, ldc, tc, nr, t, set);
            }
        } else if (MR == 8) {
            for (; i + 8 <= mc; i += 8) {
                VectorGemmTiles.mk8x2(kc, a, aOff + rowOffset(i, rsA, panels, kc, ph), rsA, csA, b, bOff, ldb, c, cOff + i * rsC, ldc, tc, nr, t, set);
            }
        } else {
            for (; i + 6 <= mc; i += 6) {
                VectorGemmTiles.mk6x2(kc, a, aOff + rowOffset(i, rsA, panels, kc, ph), rsA, csA, b, bOff, ldb, c, cOff + i * rsC, ldc, tc, nr, t, set);
            }
        }
        for (; i + 4 <= mc; i += 4) {
            VectorGemmTiles.mk4x2(kc, a, aOff + rowOffset(i, rsA, panels, kc, ph), rsA, csA, b, bOff, ldb, c, cOff + i * rsC, ldc, tc, nr, t, set);
        }
        for (; i < mc; i++) {
            VectorGemmTiles.mk1x2(kc, a, aOff + rowOffset(i, rsA, panels, kc, ph), rsA, csA, b, bOff, ldb, c, cOff + i * rsC, ldc, tc, nr, t, set);
        }
    }

    /** Where row {@code i} of A starts: {@code i·rsA} in place, or row {@code i mod ph} of panel {@code i / ph}. */
    private static int rowOffset(int i, int rsA, boolean panels, int kc, int ph) {
        return panels ? (i / ph) * (ph * kc) + i % ph : i * rsA;
    }

    private static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }

    /**
     * Packs {@code mc × kc} of op(A) ({@code a(i,p) = a[off + i·rsA + p·csA]}) into panels of {@code ph} rows
     * ({@link #MR} or {@link #WIDE_PANEL}): panel {@code q} holds, for each p, {@code a(q·ph .. q·ph + ph − 1, p)}
     * consecutively, so the
     * tiles read A as one stream at a constant stride. Rows past {@code mc} in the last panel are left as they
     * are: no tile reads them.
     */
    static void packA(float[] a, int off, int rsA, int csA, int mc, int kc, float[] dst, int ph) {
        int done = 0;
        if (rsA == 1 && ph == L) {
            // TN: a step's rows of a panel are contiguous in A, one vector; a step at a time over every panel reads
            // each line of A once
            done = mc / ph * ph;
            for (int p = 0; p < kc; p++) {
                int src = off + p * csA, d = p * ph;
                for (int q = 0; q < done; q += ph, d += ph * kc) FloatVector.fromArray(F, a, src + q).intoArray(dst, d);
            }
        } else if (rsA == 1 && ph == 8) {
            // TN into 8-row panels: a constant-length arraycopy, not a 256-bit vector copy, which JDK 17's C2 boxed
            // (8.4 MB per TrainStepBench step)
            done = mc / 8 * 8;
            for (int p = 0; p < kc; p++) {
                int src = off + p * csA, d = p * 8;
                for (int q = 0; q < done; q += 8, d += 8 * kc) System.arraycopy(a, src + q, dst, d, 8);
            }
        } else if (csA == 1 && ph % 8 == 0) {
            // NN: eight rows read side by side at unit stride, so C2 hoists every bounds check out of the loop
            done = mc / 8 * 8;
            for (int q = 0; q < done; q += 8) {
                int first = off + q * rsA, base = q / ph * ph * kc + q % ph;
                int s0 = first, s1 = s0 + rsA, s2 = s1 + rsA, s3 = s2 + rsA, s4 = s3 + rsA, s5 = s4 + rsA, s6 = s5 + rsA,
                        s7 = s6 + rsA;
                int p0 = 0;
                if (ph == 8 && VectorTranspose.AVAILABLE) {
                    for (; p0 + 16 <= kc; p0 += 16) VectorTranspose.rows8x16(a, first + p0, rsA, dst, base + p0 * 8);
                }
                for (int p = p0; p < kc; p++) {
                    int d = base + p * ph;
                    dst[d] = a[s0 + p];
                    dst[d + 1] = a[s1 + p];
                    dst[d + 2] = a[s2 + p];
                    dst[d + 3] = a[s3 + p];
                    dst[d + 4] = a[s4 + p];
                    dst[d + 5] = a[s5 + p];
                    dst[d + 6] = a[s6 + p];
                    dst[d + 7] = a[s7 + p];
                }
            }
        }
        for (int i = done; i < mc; i++) {
            int src = off + i * rsA, d = i / ph * ph * kc + i % ph;
            for (int p = 0; p < kc; p++) dst[d + p * ph] = a[src + p * csA];
        }
    }

    /** Zeroes rows {@code [row, row + rows)} of the {@code n} columns of C. */
    private static void zero(float[] c, int cOff, int ldc, int row, int rows, int n) {
        for (int i = row; i < row + rows; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
    }

    private static float[] scratch(ThreadLocal<float[][]> which, int size) {
        float[][] holder = which.get();
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
     * into zero-padded slivers, 16 × 16 blocks in registers where {@link VectorTranspose} runs (in one JVM:
     * 512x560x512 NT 1543 against 1635 µs, 1024³ 13646 against 13997, 512x1120x512 3769 against 3800).
     */
    static void packBT(float[] b, int off, int ldb, int rows, int cols, float[] dst) {
        int sliver = rows * NR;
        int slivers = (cols + NR - 1) / NR;
        for (int s = 0; s < slivers; s++) {
            int base = s * sliver, j0 = s * NR, w = Math.min(NR, cols - j0);
            // 16 steps at a time: the 16 lines of the sliver they fill stay in L1 while all its columns are written,
            // where a whole k block at a time (80 KB at KC = 640) goes back to L2 for every column
            for (int p0 = 0; p0 < rows; p0 += 16) {
                int p1 = Math.min(rows, p0 + 16);
                if (w == 32 && p1 - p0 == 16 && NR == 32 && VectorTranspose.AVAILABLE) {
                    VectorTranspose.rows16x16(b, off + j0 * ldb + p0, ldb, dst, base + p0 * NR, NR);
                    VectorTranspose.rows16x16(b, off + (j0 + 16) * ldb + p0, ldb, dst, base + p0 * NR + 16, NR);
                    continue;
                }
                for (int jj = 0; jj < w; jj++) {
                    int src = off + (j0 + jj) * ldb, d = base + jj;
                    for (int p = p0; p < p1; p++) dst[d + p * NR] = b[src + p];
                }
            }
            for (int jj = w; jj < NR; jj++) for (int p = 0; p < rows; p++) dst[base + jj + p * NR] = 0f;
        }
    }
}
