package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes blocks in registers for the GEMM's packing: 8 rows by 16 columns of A into the 8-row panels the tiles
 * read ({@link VectorGemm#packA}, NN), and 16 by 16 of B into the rows of a sliver ({@link VectorGemm#packBT},
 * NT). Each is one load per row, rounds of two-vector permutes (pairs of rows, then quads, eights, sixteens) and
 * one store per column pair or column, where element by element it is a load and a scattered store per float.
 * 512-bit vectors only: with 16 lanes a column pair of 8 rows, or a column of 16, is exactly one vector. In one
 * JVM on Zen 5 ({@code constant-duel.sh}): 512x1120x512 NN 3110 against 3284 µs, 1024³ NN 11824 against 12316, 16x1024x256
 * NP 46.8 against 52.6, 16x512x512 NP 45.1 against 48.1.
 *
 * <p>JDK 25 only. JDK 17's C2 does not intrinsify the two-vector {@code rearrange}: there the transpose allocated
 * 49 KB and took 19.5 µs per 16 × 512 pack, against 0 B and 1.2 µs on JDK 25 (2.8 µs element by element). JDK 21
 * was not at hand to measure, so it keeps the element-by-element pack too.
 */
final class VectorTranspose {
    private VectorTranspose() {}

    private static final VectorSpecies<Float> F = VectorKernels.F;

    /** Whether {@link #rows8x16} can run: 16 lanes. */
    static final boolean LANES16 = F.length() == 16;
    /** Whether packing uses it: 16 lanes and JDK 25 or later (else A is packed element by element). */
    static final boolean AVAILABLE = LANES16 && Runtime.version().feature() >= 25 && !Boolean.getBoolean("vecrnn.gemm.scalarpack");

    // Round 1, rows r and r+1 interleaved, columns 0–7 (lo) or 8–15 (hi): lane 2i+b = row b, column i (+8).
    private static final VectorShuffle<Float> PAIR_LO = LANES16 ? shuffle(1, 0) : null;
    private static final VectorShuffle<Float> PAIR_HI = LANES16 ? shuffle(1, 1) : null;
    // Round 2, two interleaved pairs into four rows, columns 4g..4g+3 of the pairs' half: lane 4i+r.
    private static final VectorShuffle<Float> QUAD_LO = LANES16 ? shuffle(2, 0) : null;
    private static final VectorShuffle<Float> QUAD_HI = LANES16 ? shuffle(2, 1) : null;
    // Round 3, two quads into eight rows, a column pair: lane 8i+r.
    private static final VectorShuffle<Float> OCT_LO = LANES16 ? shuffle(3, 0) : null;
    private static final VectorShuffle<Float> OCT_HI = LANES16 ? shuffle(3, 1) : null;
    // Round 4, two eights into sixteen rows, one column.
    private static final VectorShuffle<Float> HEX_LO = LANES16 ? shuffle(4, 0) : null;
    private static final VectorShuffle<Float> HEX_HI = LANES16 ? shuffle(4, 1) : null;

    /**
     * Round {@code round} merges two vectors of {@code g = 2^(round−1)} interleaved rows each ({@code 16/g} columns,
     * lane {@code g·c + r}) into {@code 2g} rows: output lane {@code 2g·i + r} is row {@code r} of column
     * {@code part·16/(2g) + i}, from the first input for {@code r < g}, else from the second (indexes 16–31).
     */
    private static VectorShuffle<Float> shuffle(int round, int part) {
        int g = 1 << (round - 1), rows = 2 * g, cols = 16 / rows;
        int[] idx = new int[16];
        for (int i = 0; i < cols; i++) {
            for (int r = 0; r < rows; r++) {
                int col = part * cols + i;
                idx[rows * i + r] = (r < g ? 0 : 16) + g * col + r % g;
            }
        }
        return VectorShuffle.fromArray(F, idx, 0);
    }

    /**
     * Writes {@code dst[d + 8p + r] = a[s + r·rs + p]} for rows {@code r < 8} and columns {@code p < 16}: the
     * 16 steps of an 8-row panel that rows {@code s, s + rs, …} of A hold side by side.
     */
    static void rows8x16(float[] a, int s, int rs, float[] dst, int d) {
        FloatVector r0 = FloatVector.fromArray(F, a, s), r1 = FloatVector.fromArray(F, a, s + rs);
        FloatVector r2 = FloatVector.fromArray(F, a, s + 2 * rs), r3 = FloatVector.fromArray(F, a, s + 3 * rs);
        FloatVector r4 = FloatVector.fromArray(F, a, s + 4 * rs), r5 = FloatVector.fromArray(F, a, s + 5 * rs);
        FloatVector r6 = FloatVector.fromArray(F, a, s + 6 * rs), r7 = FloatVector.fromArray(F, a, s + 7 * rs);
        FloatVector p0 = r0.rearrange(PAIR_LO, r1), p1 = r0.rearrange(PAIR_HI, r1);
        FloatVector p2 = r2.rearrange(PAIR_LO, r3), p3 = r2.rearrange(PAIR_HI, r3);
        FloatVector p4 = r4.rearrange(PAIR_LO, r5), p5 = r4.rearrange(PAIR_HI, r5);
        FloatVector p6 = r6.rearrange(PAIR_LO, r7), p7 = r6.rearrange(PAIR_HI, r7);
        FloatVector q0 = p0.rearrange(QUAD_LO, p2), q1 = p0.rearrange(QUAD_HI, p2);
        FloatVector q2 = p1.rearrange(QUAD_LO, p3), q3 = p1.rearrange(QUAD_HI, p3);
        FloatVector q4 = p4.rearrange(QUAD_LO, p6), q5 = p4.rearrange(QUAD_HI, p6);
        FloatVector q6 = p5.rearrange(QUAD_LO, p7), q7 = p5.rearrange(QUAD_HI, p7);
        q0.rearrange(OCT_LO, q4).intoArray(dst, d);
        q0.rearrange(OCT_HI, q4).intoArray(dst, d + 16);
        q1.rearrange(OCT_LO, q5).intoArray(dst, d + 32);
        q1.rearrange(OCT_HI, q5).intoArray(dst, d + 48);
        q2.rearrange(OCT_LO, q6).intoArray(dst, d + 64);
        q2.rearrange(OCT_HI, q6).intoArray(dst, d + 80);
        q3.rearrange(OCT_LO, q7).intoArray(dst, d + 96);
        q3.rearrange(OCT_HI, q7).intoArray(dst, d + 112);
    }

    /**
     * Writes {@code dst[d + p·ld + r] = a[s + r·rs + p]} for rows {@code r < 16} and columns {@code p < 16}: a block
     * of 16 rows of Bᵀ, 16 steps deep, into the rows of a packed sliver ({@link VectorGemm#packBT}). Four rounds
     * of sixteen permutes: pairs, quads, eights, sixteens.
     */
    static void rows16x16(float[] a, int s, int rs, float[] dst, int d, int ld) {
        FloatVector v0 = FloatVector.fromArray(F, a, s + 0 * rs);
        FloatVector v1 = FloatVector.fromArray(F, a, s + 1 * rs);
        FloatVector v2 = FloatVector.fromArray(F, a, s + 2 * rs);
        FloatVector v3 = FloatVector.fromArray(F, a, s + 3 * rs);
        FloatVector v4 = FloatVector.fromArray(F, a, s + 4 * rs);
        FloatVector v5 = FloatVector.fromArray(F, a, s + 5 * rs);
        FloatVector v6 = FloatVector.fromArray(F, a, s + 6 * rs);
        FloatVector v7 = FloatVector.fromArray(F, a, s + 7 * rs);
        FloatVector v8 = FloatVector.fromArray(F, a, s + 8 * rs);
        FloatVector v9 = FloatVector.fromArray(F, a, s + 9 * rs);
        FloatVector v10 = FloatVector.fromArray(F, a, s + 10 * rs);
        FloatVector v11 = FloatVector.fromArray(F, a, s + 11 * rs);
        FloatVector v12 = FloatVector.fromArray(F, a, s + 12 * rs);
        FloatVector v13 = FloatVector.fromArray(F, a, s + 13 * rs);
        FloatVector v14 = FloatVector.fromArray(F, a, s + 14 * rs);
        FloatVector v15 = FloatVector.fromArray(F, a, s + 15 * rs);
        FloatVector p0_0 = v0.rearrange(PAIR_LO, v1);
        FloatVector p0_1 = v0.rearrange(PAIR_HI, v1);
        FloatVector p1_0 = v2.rearrange(PAIR_LO, v3);
        FloatVector p1_1 = v2.rearrange(PAIR_HI, v3);
        FloatVector p2_0 = v4.rearrange(PAIR_LO, v5);
        FloatVector p2_1 = v4.rearrange(PAIR_HI, v5);
        FloatVector p3_0 = v6.rearrange(PAIR_LO, v7);
        FloatVector p3_1 = v6.rearrange(PAIR_HI, v7);
        FloatVector p4_0 = v8.rearrange(PAIR_LO, v9);
        FloatVector p4_1 = v8.rearrange(PAIR_HI, v9);
        FloatVector p5_0 = v10.rearrange(PAIR_LO, v11);
        FloatVector p5_1 = v10.rearrange(PAIR_HI, v11);
        FloatVector p6_0 = v12.rearrange(PAIR_LO, v13);
        FloatVector p6_1 = v12.rearrange(PAIR_HI, v13);
        FloatVector p7_0 = v14.rearrange(PAIR_LO, v15);
        FloatVector p7_1 = v14.rearrange(PAIR_HI, v15);
        FloatVector q0_00 = p0_0.rearrange(QUAD_LO, p1_0);
        FloatVector q0_01 = p0_0.rearrange(QUAD_HI, p1_0);
        FloatVector q0_10 = p0_1.rearrange(QUAD_LO, p1_1);
        FloatVector q0_11 = p0_1.rearrange(QUAD_HI, p1_1);
        FloatVector q1_00 = p2_0.rearrange(QUAD_LO, p3_0);
        FloatVector q1_01 = p2_0.rearrange(QUAD_HI, p3_0);
        FloatVector q1_10 = p2_1.rearrange(QUAD_LO, p3_1);
        FloatVector q1_11 = p2_1.rearrange(QUAD_HI, p3_1);
        FloatVector q2_00 = p4_0.rearrange(QUAD_LO, p5_0);
        FloatVector q2_01 = p4_0.rearrange(QUAD_HI, p5_0);
        FloatVector q2_10 = p4_1.rearrange(QUAD_LO, p5_1);
        FloatVector q2_11 = p4_1.rearrange(QUAD_HI, p5_1);
        FloatVector q3_00 = p6_0.rearrange(QUAD_LO, p7_0);
        FloatVector q3_01 = p6_0.rearrange(QUAD_HI, p7_0);
        FloatVector q3_10 = p6_1.rearrange(QUAD_LO, p7_1);
        FloatVector q3_11 = p6_1.rearrange(QUAD_HI, p7_1);
        FloatVector o0_000 = q0_00.rearrange(OCT_LO, q1_00);
        FloatVector o0_001 = q0_00.rearrange(OCT_HI, q1_00);
        FloatVector o0_010 = q0_01.rearrange(OCT_LO, q1_01);
        FloatVector o0_011 = q0_01.rearrange(OCT_HI, q1_01);
        FloatVector o0_100 = q0_10.rearrange(OCT_LO, q1_10);
        FloatVector o0_101 = q0_10.rearrange(OCT_HI, q1_10);
        FloatVector o0_110 = q0_11.rearrange(OCT_LO, q1_11);
        FloatVector o0_111 = q0_11.rearrange(OCT_HI, q1_11);
        FloatVector o1_000 = q2_00.rearrange(OCT_LO, q3_00);
        FloatVector o1_001 = q2_00.rearrange(OCT_HI, q3_00);
        FloatVector o1_010 = q2_01.rearrange(OCT_LO, q3_01);
        FloatVector o1_011 = q2_01.rearrange(OCT_HI, q3_01);
        FloatVector o1_100 = q2_10.rearrange(OCT_LO, q3_10);
        FloatVector o1_101 = q2_10.rearrange(OCT_HI, q3_10);
        FloatVector o1_110 = q2_11.rearrange(OCT_LO, q3_11);
        FloatVector o1_111 = q2_11.rearrange(OCT_HI, q3_11);
        o0_000.rearrange(HEX_LO, o1_000).intoArray(dst, d + 0 * ld);
        o0_000.rearrange(HEX_HI, o1_000).intoArray(dst, d + 1 * ld);
        o0_001.rearrange(HEX_LO, o1_001).intoArray(dst, d + 2 * ld);
        o0_001.rearrange(HEX_HI, o1_001).intoArray(dst, d + 3 * ld);
        o0_010.rearrange(HEX_LO, o1_010).intoArray(dst, d + 4 * ld);
        o0_010.rearrange(HEX_HI, o1_010).intoArray(dst, d + 5 * ld);
        o0_011.rearrange(HEX_LO, o1_011).intoArray(dst, d + 6 * ld);
        o0_011.rearrange(HEX_HI, o1_011).intoArray(dst, d + 7 * ld);
        o0_100.rearrange(HEX_LO, o1_100).intoArray(dst, d + 8 * ld);
        o0_100.rearrange(HEX_HI, o1_100).intoArray(dst, d + 9 * ld);
        o0_101.rearrange(HEX_LO, o1_101).intoArray(dst, d + 10 * ld);
        o0_101.rearrange(HEX_HI, o1_101).intoArray(dst, d + 11 * ld);
        o0_110.rearrange(HEX_LO, o1_110).intoArray(dst, d + 12 * ld);
        o0_110.rearrange(HEX_HI, o1_110).intoArray(dst, d + 13 * ld);
        o0_111.rearrange(HEX_LO, o1_111).intoArray(dst, d + 14 * ld);
        o0_111.rearrange(HEX_HI, o1_111).intoArray(dst, d + 15 * ld);
    }
}
