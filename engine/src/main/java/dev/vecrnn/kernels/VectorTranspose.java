package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes 8 rows by 16 columns in registers, for packing the rows of A into the 8-row panels the GEMM tiles
 * read ({@link VectorGemm#packA}): eight loads, three rounds of eight two-vector permutes (pairs of rows, then
 * quads, then all eight), eight stores, where element by element it takes 128 loads and 128 scattered stores.
 * 512-bit vectors only: with 16 lanes a column pair of 8 rows is exactly one vector.
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
}
