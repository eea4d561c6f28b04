package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Softmax and cross-entropy over rows of logits on the Vector API, for {@link VectorKernels}, with its exp. */
final class VectorSoftmax {
    private VectorSoftmax() {}

    private static final VectorSpecies<Float> F = VectorKernels.F;
    private static final int L = F.length();
    /** {@code L} zeros then {@code L} ones: a window at {@code L − o} weighs lanes {@code ≥ o} by 1, the rest by 0. */
    private static final float[] FRESH = new float[2 * F.length()];
    /** The complement of {@link #FRESH}. */
    private static final float[] STALE = new float[2 * F.length()];

    static {
        java.util.Arrays.fill(FRESH, F.length(), 2 * F.length(), 1f);
        java.util.Arrays.fill(STALE, 0, F.length(), 1f);
    }

    static FloatVector exp(FloatVector x) {
        FloatVector c = VectorKernels.clamp(x, FastMath.EXP_LO, FastMath.EXP_HI);
        FloatVector shifted = c.fma(FastMath.LOG2E, FastMath.ROUND_MAGIC);
        FloatVector n = shifted.sub(FastMath.ROUND_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(F, -FastMath.LN2_HI), c);
        r = n.fma(FloatVector.broadcast(F, -FastMath.LN2_LO), r);
        FloatVector p = r.fma(FastMath.P0, FastMath.P1);
        p = p.fma(r, FloatVector.broadcast(F, FastMath.P2));
        p = p.fma(r, FloatVector.broadcast(F, FastMath.P3));
        p = p.fma(r, FloatVector.broadcast(F, FastMath.P4));
        p = p.fma(r, FloatVector.broadcast(F, FastMath.P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        // The low mantissa bits of n + 1.5·2²³ hold n: subtracting the magic's bits gives it as an int without
        // a float-to-int conversion (not intrinsified on JDK 17, where it allocates).
        IntVector bits = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(FastMath.ROUND_MAGIC) - 127)
                .lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }

    static double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
                                      float gradScale, float[] grad, int gOff) {
        if (cols < L) {
            double loss = 0;
            for (int r = 0; r < rows; r++) {
                loss += ScalarKernels.softmaxRow(logits, lOff + r * cols, cols, targets[tOff + r], gradScale, grad, gOff + r * cols);
            }
            return loss;
        }
        // A ragged row end is read as one full vector ending at the row's end, overlapping the last aligned
        // one: masked loads at arbitrary offsets fall off the intrinsic path and allocate. Max ignores the
        // overlap; the sum and the scaling count only the fresh lanes, selected by multiplying with 0/1
        // weights (exact, so the bits are those of a masked add) rather than a mask, which JDK 17 builds on
        // the heap on every call. Each pass over a row is a method of its own that takes and returns no
        // vector: JDK 17's C2, compiling this loop "into a big method", sometimes left a vector call out of
        // line and boxed its operands (1.3 KB per row from exp; 215 KB per training step from the scaling
        // pass in one fork in three), and a call that passes only arrays and numbers costs nothing if it is
        // left out of line.
        int last = cols - L;
        float[] lanes = LANES.get();
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int lo = lOff + r * cols, go = gOff + r * cols;
            float max = VectorKernels.PLAIN_PASSES ? plainMax(logits, lo, cols) : rowMax(logits, lo, last);
            int t = targets[tOff + r];
            float target = logits[lo + t];
            float sum = rowExp(logits, lo, cols, last, max, grad, go, lanes);
            loss += Math.log(sum) + max - target;
            if (VectorKernels.PLAIN_PASSES) plainScale(grad, go, cols, gradScale / sum);
            else rowScale(grad, go, cols, last, gradScale / sum);
            grad[go + t] -= gradScale;
        }
        return loss;
    }

    private static float plainMax(float[] logits, int lo, int cols) {
        float max = logits[lo];
        for (int j = 1; j < cols; j++) max = Math.max(max, logits[lo + j]);
        return max;
    }

    private static void plainScale(float[] grad, int go, int cols, float s) {
        for (int j = 0; j < cols; j++) grad[go + j] *= s;
    }

    /** The largest of a row of {@code last + L} logits (at least one vector). */
    private static float rowMax(float[] logits, int lo, int last) {
        FloatVector vmax = FloatVector.fromArray(F, logits, lo + last);
        for (int j = 0; j < last; j += L) vmax = vmax.max(FloatVector.fromArray(F, logits, lo + j));
        return vmax.reduceLanes(VectorOperators.MAX);
    }

    /** Writes {@code exp(logit − max)} of a row into {@code grad} and returns their sum, in lane order. */
    private static float rowExp(float[] logits, int lo, int cols, int last, float max, float[] grad, int go,
                                float[] lanes) {
        FloatVector vsum = FloatVector.zero(F);
        for (int j = 0; j < cols; j += L) {
            int at = Math.min(j, last);                                   // the last vector ends at cols
            FloatVector fresh = FloatVector.fromArray(F, FRESH, L - (j - at)); // 1 past the overlap, else 0
            FloatVector e = exp(FloatVector.fromArray(F, logits, lo + at).sub(max));
            e.intoArray(grad, go + at);
            vsum = e.fma(fresh, vsum);
        }
        // The lanes' sum in sumLanes's order (lane i plus lane i + w, for w = L/2 … 1), written out: passed to
        // sumLanes, the accumulator is boxed on every row. Below JDK 25 through memory: there C2 sometimes left the
        // rotations' adds out of line and ran them on the heap, two 64-byte arrays per row (89,636 B per batch-16
        // training step in 3 forks of 6). JDK 25 keeps the rotations: through memory the whole pass took 74 µs
        // against 50 for 1120 rows of 28.
        if (VectorKernels.PLAIN_PASSES) {
            vsum.intoArray(lanes, 0);
            for (int w = L / 2; w >= 1; w /= 2) {
                for (int i = 0; i < w; i++) lanes[i] += lanes[i + w];
            }
            return lanes[0];
        }
        if (L >= 16) vsum = vsum.add(vsum.rearrange(VectorKernels.ROTATE_8));
        if (L >= 8) vsum = vsum.add(vsum.rearrange(VectorKernels.ROTATE_4));
        vsum = vsum.add(vsum.rearrange(VectorKernels.ROTATE_2));
        vsum = vsum.add(vsum.rearrange(VectorKernels.ROTATE_1));
        return vsum.lane(0);
    }

    /** Multiplies a row of {@code grad} by {@code s}, each element once (the overlapped lanes keep their value). */
    private static void rowScale(float[] grad, int go, int cols, int last, float s) {
        for (int j = 0; j < cols; j += L) {
            int at = Math.min(j, last), w = L - (j - at);
            FloatVector g = FloatVector.fromArray(F, grad, go + at);
            g.mul(s).fma(FloatVector.fromArray(F, FRESH, w), g.mul(FloatVector.fromArray(F, STALE, w))).intoArray(grad, go + at);
        }
    }

    /** Per thread, one vector's lanes for {@link #rowExp}'s sum. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);
}
