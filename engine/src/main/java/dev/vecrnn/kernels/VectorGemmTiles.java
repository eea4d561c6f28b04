package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorGemm}'s broadcast micro-kernels, named by tile (rows of A by vectors of B): each keeps a tile's
 * accumulators in registers for a whole k block and adds it into C once. A is read in place at strides
 * {@code rsA, csA}, or from a packed panel ({@code mk8x2Panel}); B as a sliver of 2L columns, row stride
 * {@code ldb} (in place) or 2L (packed).
 *
 * <p>The tiles repeat one another's shape on purpose: a tile written once over a loop of rows would pass
 * loop-carried vectors between methods, which C2 boxes unless it inlines every call, and the constant stride of
 * the panel tile is what lets C2 drop the bounds checks of its broadcasts.
 *
 * <p>Every tile's accumulators leave through plain stores only: a loop-carried vector passed to a method that is
 * not inlined is boxed, and on JDK 17 a long epilogue of vector calls is what C2 sometimes gives up inlining. With
 * {@code set} ({@code C = A·B}: the first k block of a product that does not accumulate) a full tile is stored
 * straight into C, with no zeroing pass before it and no round trip through the spill tile {@code t}.
 */
final class VectorGemmTiles {
    private VectorGemmTiles() {}

    private static final VectorSpecies<Float> F = VectorKernels.F;
    private static final int L = F.length();
    /** Width of a broadcast tile: two vectors. */
    private static final int NR = 2 * L;

    /** 8 rows of A by 2 vectors of B: {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    static void mk8x2(int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean tc, int nr, float[] t, boolean set) {
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
        // stores only, and with set a full tile goes straight into C (the class comment says why)
        boolean direct = set && nr == NR && !tc;
        float[] d = direct ? c : t;
        int o = direct ? cOff : 0, ld = direct ? ldc : NR;
        c00.intoArray(d, o);
        c01.intoArray(d, o + L);
        c10.intoArray(d, o + ld);
        c11.intoArray(d, o + ld + L);
        c20.intoArray(d, o + 2 * ld);
        c21.intoArray(d, o + 2 * ld + L);
        c30.intoArray(d, o + 3 * ld);
        c31.intoArray(d, o + 3 * ld + L);
        c40.intoArray(d, o + 4 * ld);
        c41.intoArray(d, o + 4 * ld + L);
        c50.intoArray(d, o + 5 * ld);
        c51.intoArray(d, o + 5 * ld + L);
        c60.intoArray(d, o + 6 * ld);
        c61.intoArray(d, o + 6 * ld + L);
        c70.intoArray(d, o + 7 * ld);
        c71.intoArray(d, o + 7 * ld + L);
        if (!direct) addTile(t, 8, nr, c, cOff, ldc, tc, set);
    }

    /** {@link #mk8x2} on a panel of A ({@link VectorGemm#packA}, MR = 8 rows contiguous per step): {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    static void mk8x2Panel(int kc, float[] a, int aOff, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean tc, int nr, float[] t, boolean set) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            int ap = aOff + p * 8;
            FloatVector x = FloatVector.broadcast(F, a[ap + 0]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a[ap + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a[ap + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a[ap + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, a[ap + 4]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(F, a[ap + 5]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(F, a[ap + 6]);
            c60 = b0.fma(x, c60);
            c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(F, a[ap + 7]);
            c70 = b0.fma(x, c70);
            c71 = b1.fma(x, c71);
        }
        // stores only, and with set a full tile goes straight into C (the class comment says why)
        boolean direct = set && nr == NR && !tc;
        float[] d = direct ? c : t;
        int o = direct ? cOff : 0, ld = direct ? ldc : NR;
        c00.intoArray(d, o);
        c01.intoArray(d, o + L);
        c10.intoArray(d, o + ld);
        c11.intoArray(d, o + ld + L);
        c20.intoArray(d, o + 2 * ld);
        c21.intoArray(d, o + 2 * ld + L);
        c30.intoArray(d, o + 3 * ld);
        c31.intoArray(d, o + 3 * ld + L);
        c40.intoArray(d, o + 4 * ld);
        c41.intoArray(d, o + 4 * ld + L);
        c50.intoArray(d, o + 5 * ld);
        c51.intoArray(d, o + 5 * ld + L);
        c60.intoArray(d, o + 6 * ld);
        c61.intoArray(d, o + 6 * ld + L);
        c70.intoArray(d, o + 7 * ld);
        c71.intoArray(d, o + 7 * ld + L);
        if (!direct) addTile(t, 8, nr, c, cOff, ldc, tc, set);
    }

    /**
     * {@link #mk8x2Panel} on a packed sliver of B (row stride {@code 2L}: {@link VectorGemm#packB}, or a
     * {@link PackedPanel} when {@code 2L} is its width): both strides constant, so C2 drops the bounds checks of
     * the B loads from the loop too (about 3% on an L1-resident tile, Zen 5, JDK 25).
     */
    static void mk8x2Packed(int kc, float[] a, int aOff, float[] b, int bOff,
                           float[] c, int cOff, int ldc, boolean tc, int nr, float[] t, boolean set) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            int ap = aOff + p * 8;
            FloatVector x = FloatVector.broadcast(F, a[ap + 0]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a[ap + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a[ap + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a[ap + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, a[ap + 4]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(F, a[ap + 5]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(F, a[ap + 6]);
            c60 = b0.fma(x, c60);
            c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(F, a[ap + 7]);
            c70 = b0.fma(x, c70);
            c71 = b1.fma(x, c71);
        }
        // stores only, and with set a full tile goes straight into C (the class comment says why)
        boolean direct = set && nr == NR && !tc;
        float[] d = direct ? c : t;
        int o = direct ? cOff : 0, ld = direct ? ldc : NR;
        c00.intoArray(d, o);
        c01.intoArray(d, o + L);
        c10.intoArray(d, o + ld);
        c11.intoArray(d, o + ld + L);
        c20.intoArray(d, o + 2 * ld);
        c21.intoArray(d, o + 2 * ld + L);
        c30.intoArray(d, o + 3 * ld);
        c31.intoArray(d, o + 3 * ld + L);
        c40.intoArray(d, o + 4 * ld);
        c41.intoArray(d, o + 4 * ld + L);
        c50.intoArray(d, o + 5 * ld);
        c51.intoArray(d, o + 5 * ld + L);
        c60.intoArray(d, o + 6 * ld);
        c61.intoArray(d, o + 6 * ld + L);
        c70.intoArray(d, o + 7 * ld);
        c71.intoArray(d, o + 7 * ld + L);
        if (!direct) addTile(t, 8, nr, c, cOff, ldc, tc, set);
    }

    /** {@link #mk8x2Packed} on 8 rows of a 16-row panel of A ({@link VectorGemm#WIDE_PANEL}): steps 16 floats apart. */
    static void mk8x2Packed16(int kc, float[] a, int aOff, float[] b, int bOff,
                           float[] c, int cOff, int ldc, boolean tc, int nr, float[] t, boolean set) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int bp = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            int ap = aOff + p * 16;
            FloatVector x = FloatVector.broadcast(F, a[ap + 0]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a[ap + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a[ap + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a[ap + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, a[ap + 4]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(F, a[ap + 5]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            x = FloatVector.broadcast(F, a[ap + 6]);
            c60 = b0.fma(x, c60);
            c61 = b1.fma(x, c61);
            x = FloatVector.broadcast(F, a[ap + 7]);
            c70 = b0.fma(x, c70);
            c71 = b1.fma(x, c71);
        }
        // stores only, and with set a full tile goes straight into C (the class comment says why)
        boolean direct = set && nr == NR && !tc;
        float[] d = direct ? c : t;
        int o = direct ? cOff : 0, ld = direct ? ldc : NR;
        c00.intoArray(d, o);
        c01.intoArray(d, o + L);
        c10.intoArray(d, o + ld);
        c11.intoArray(d, o + ld + L);
        c20.intoArray(d, o + 2 * ld);
        c21.intoArray(d, o + 2 * ld + L);
        c30.intoArray(d, o + 3 * ld);
        c31.intoArray(d, o + 3 * ld + L);
        c40.intoArray(d, o + 4 * ld);
        c41.intoArray(d, o + 4 * ld + L);
        c50.intoArray(d, o + 5 * ld);
        c51.intoArray(d, o + 5 * ld + L);
        c60.intoArray(d, o + 6 * ld);
        c61.intoArray(d, o + 6 * ld + L);
        c70.intoArray(d, o + 7 * ld);
        c71.intoArray(d, o + 7 * ld + L);
        if (!direct) addTile(t, 8, nr, c, cOff, ldc, tc, set);
    }

    /** 6 rows of A by 2 vectors of B: {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    static void mk6x2(int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean tc, int nr, float[] t, boolean set) {
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
        // stores only (the class comment says why)
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
        addTile(t, 6, nr, c, cOff, ldc, tc, set);
    }

    /** 4 rows of A by 2 vectors of B: {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    static void mk4x2(int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean tc, int nr, float[] t, boolean set) {
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
        // stores only (the class comment says why)
        c00.intoArray(t, 0 * L);
        c01.intoArray(t, 1 * L);
        c10.intoArray(t, 2 * L);
        c11.intoArray(t, 3 * L);
        c20.intoArray(t, 4 * L);
        c21.intoArray(t, 5 * L);
        c30.intoArray(t, 6 * L);
        c31.intoArray(t, 7 * L);
        addTile(t, 4, nr, c, cOff, ldc, tc, set);
    }

    /** 1 rows of A by 2 vectors of B: {@code C += A·B} on {@code nr ≤ 2L} columns ({@code nr < 2L} through {@code t}). */
    static void mk1x2(int kc, float[] a, int aOff, int rsA, int csA, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean tc, int nr, float[] t, boolean set) {
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
        // stores only (the class comment says why)
        c00.intoArray(t, 0 * L);
        c01.intoArray(t, 1 * L);
        addTile(t, 1, nr, c, cOff, ldc, tc, set);
    }


    /**
     * Adds a tile spilled to {@code t} ({@code rows} runs of 2L floats, the first {@code nr} of each valid) into C:
     * {@code C[r][q] += t[r·2L + q]}, or with {@code tc} (the tile is a block of Cᵀ) {@code C[q][r] += t[r·2L + q]};
     * with {@code set}, C takes the tile's values instead. Each element gets one rounding {@code c + t}, so the
     * result does not depend on which branch runs; and {@code set} gives the bits of adding to a zeroed C, since a
     * tile summed from +0 is never −0.
     */
    private static void addTile(float[] t, int rows, int nr, float[] c, int cOff, int ldc, boolean tc, boolean set) {
        if (tc) {
            for (int r = 0; r < rows; r++) {
                int s = r * NR;
                for (int q = 0; q < nr; q++) c[cOff + q * ldc + r] = set ? t[s + q] : c[cOff + q * ldc + r] + t[s + q];
            }
        } else if (nr == NR) {
            for (int r = 0; r < rows; r++) {
                int o = cOff + r * ldc, s = r * NR;
                FloatVector t0 = FloatVector.fromArray(F, t, s), t1 = FloatVector.fromArray(F, t, s + L);
                if (!set) {
                    t0 = FloatVector.fromArray(F, c, o).add(t0);
                    t1 = FloatVector.fromArray(F, c, o + L).add(t1);
                }
                t0.intoArray(c, o);
                t1.intoArray(c, o + L);
            }
        } else {
            // a ragged tile (d2l's vocabulary of 28 is one vector and 12 lanes): its first vector whole, if full
            int whole = nr >= L ? L : 0;
            for (int r = 0; r < rows; r++) {
                int o = cOff + r * ldc, s = r * NR;
                if (whole > 0) {
                    FloatVector t0 = FloatVector.fromArray(F, t, s);
                    if (!set) t0 = FloatVector.fromArray(F, c, o).add(t0);
                    t0.intoArray(c, o);
                }
                for (int q = whole; q < nr; q++) c[o + q] = set ? t[s + q] : c[o + q] + t[s + q];
            }
        }
    }
}
