package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels. This is the only class (with {@link VectorGemm}) that touches
 * {@code jdk.incubator.vector}; {@link KernelProvider} loads it reflectively, so the engine still runs
 * without the module.
 *
 * <p>Vectors stay in locals throughout: a vector stored in a field or array is boxed and the loop falls
 * an order of magnitude.
 */
final class VectorKernels implements Kernels {

    static final VectorSpecies<Float> F = VectorSpecies.of(float.class,
            jdk.incubator.vector.VectorShape.forBitSize(KernelProvider.vectorBits()));
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = F.length();
    /** {@code L} zeros then {@code L} ones: a window at {@code L − o} weighs lanes {@code ≥ o} by 1, the rest by 0. */
    private static final float[] FRESH = new float[2 * F.length()];
    /** The complement of {@link #FRESH}. */
    private static final float[] STALE = new float[2 * F.length()];

    static {
        java.util.Arrays.fill(FRESH, F.length(), 2 * F.length(), 1f);
        java.util.Arrays.fill(STALE, 0, F.length(), 1f);
    }
    private static final ScalarKernels TAIL = new ScalarKernels();

    @Override public String name() { return "vector-" + F.vectorBitSize(); }

    @Override public int lanes() { return L; }

    @Override
    public void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        GemmChecks.check(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        VectorGemm.gemm(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemv(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff, boolean accumulate) {
        GemmChecks.check(Layout.NN, 1, n, k, x, xOff, k, w, wOff, ldw, y, yOff, n);
        VectorGemv.gemv(n, k, x, xOff, w, wOff, ldw, y, yOff, accumulate);
    }

    // ---- tanh -------------------------------------------------------------------------------------

    /**
     * {@code max(lo, min(hi, x))} lane-wise, NaN and -0.0 included, as two compares and two blends:
     * {@code FloatVector.max/min} follow {@link Math#max}'s NaN and signed-zero rules with a longer
     * instruction sequence (tanhForward runs 1.6x faster this way on JDK 25).
     */
    static FloatVector clamp(FloatVector x, float lo, float hi) {
        FloatVector h = FloatVector.broadcast(F, hi), l = FloatVector.broadcast(F, lo);
        return x.blend(h, x.compare(VectorOperators.GT, h)).blend(l, x.compare(VectorOperators.LT, l));
    }

    static FloatVector tanh(FloatVector x) {
        FloatVector c = clamp(x, -FastMath.TANH_CLAMP, FastMath.TANH_CLAMP);
        FloatVector x2 = c.mul(c);
        FloatVector p = x2.fma(FastMath.A13, FastMath.A11);
        p = x2.fma(p, FloatVector.broadcast(F, FastMath.A9));
        p = x2.fma(p, FloatVector.broadcast(F, FastMath.A7));
        p = x2.fma(p, FloatVector.broadcast(F, FastMath.A5));
        p = x2.fma(p, FloatVector.broadcast(F, FastMath.A3));
        p = x2.fma(p, FloatVector.broadcast(F, FastMath.A1));
        p = p.mul(c);
        FloatVector q = x2.fma(FastMath.B6, FastMath.B4);
        q = x2.fma(q, FloatVector.broadcast(F, FastMath.B2));
        q = x2.fma(q, FloatVector.broadcast(F, FastMath.B0));
        return p.div(q);
    }

    @Override
    public void tanhForward(float[] z, int zOff, float[] u, int uOff, float[] bias, int biasOff,
                            float[] h, int hOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += L) {
            FloatVector s = FloatVector.fromArray(F, z, zOff + i)
                    .add(FloatVector.fromArray(F, u, uOff + i))
                    .add(FloatVector.fromArray(F, bias, biasOff + i));
            tanh(s).intoArray(h, hOff + i);
        }
        for (; i < n; i++) h[hOff + i] = FastMath.tanh(z[zOff + i] + u[uOff + i] + bias[biasOff + i]);
    }

    @Override
    public void tanhBackward(float[] h, int hOff, float[] dh1, int dh1Off, float[] dh2, int dh2Off,
                             float[] dz, int dzOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += L) {
            FloatVector y = FloatVector.fromArray(F, h, hOff + i);
            FloatVector g = FloatVector.fromArray(F, dh1, dh1Off + i).add(FloatVector.fromArray(F, dh2, dh2Off + i));
            g.mul(y.neg().fma(y, FloatVector.broadcast(F, 1f))).intoArray(dz, dzOff + i);
        }
        for (; i < n; i++) {
            float y = h[hOff + i];
            dz[dzOff + i] = (dh1[dh1Off + i] + dh2[dh2Off + i]) * (1f - y * y);
        }
    }

    // ---- gated cells --------------------------------------------------------------------------------
    // Each lane reads every block it needs before it writes any, so activations can be replaced in place by
    // their gradients. Tails run the scalar twin from the first element the vectors did not cover.

    @Override
    public void lstmForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] cPrev, int cPrevOff,
                            float[] c, int cOff, float[] tc, int tcOff, float[] h, int hOff, int n) {
        // Five passes over the row (it stays in L1), each with one activation: one loop with all five inlined
        // grew past what C2 inlines, and its vectors were boxed (9 KB per call, on JDK 17 and 25 alike).
        int j = F.loopBound(n);
        sigmoidPass(g, gOff, u, uOff, b, bOff, j);
        sigmoidPass(g, gOff + n, u, uOff + n, b, bOff + n, j);
        sigmoidPass(g, gOff + 2 * n, u, uOff + 2 * n, b, bOff + 2 * n, j);
        tanhPass(g, gOff + 3 * n, u, uOff + 3 * n, b, bOff + 3 * n, j);
        statePass(g, gOff, cPrev, cPrevOff, c, cOff, tc, tcOff, h, hOff, n, j);
        ScalarKernels.lstmForward(g, gOff, u, uOff, b, bOff, cPrev, cPrevOff, c, cOff, tc, tcOff, h, hOff, j, n);
    }

    /** {@code c = f⊙cPrev + i⊙c̃}, {@code tc = tanh(c)}, {@code h = o⊙tc} from the activations in {@code g}, for {@code i < upper}. */
    private static void statePass(float[] g, int gOff, float[] cPrev, int cPrevOff, float[] c, int cOff, float[] tc, int tcOff,
                                  float[] h, int hOff, int n, int upper) {
        for (int i = 0; i < upper; i += L) {
            FloatVector ig = FloatVector.fromArray(F, g, gOff + i);
            FloatVector f = FloatVector.fromArray(F, g, gOff + n + i);
            FloatVector cc = FloatVector.fromArray(F, g, gOff + 3 * n + i);
            FloatVector cNew = f.fma(FloatVector.fromArray(F, cPrev, cPrevOff + i), ig.mul(cc));
            FloatVector t = tanh(cNew);
            cNew.intoArray(c, cOff + i);
            t.intoArray(tc, tcOff + i);
            FloatVector.fromArray(F, g, gOff + 2 * n + i).mul(t).intoArray(h, hOff + i);
        }
    }

    /**
     * {@code g[i] = σ(g[i] + u[i] + b[i])} for {@code i < upper}, a multiple of the lane count; σ as
     * {@link FastMath#sigmoid}, {@code ½·tanh(x/2) + ½}, written out here (a helper taking and returning vectors
     * boxes them wherever C2 declines to inline it).
     */
    private static void sigmoidPass(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, int upper) {
        for (int i = 0; i < upper; i += L) {
            FloatVector x = FloatVector.fromArray(F, g, gOff + i).add(FloatVector.fromArray(F, u, uOff + i))
                    .add(FloatVector.fromArray(F, b, bOff + i));
            tanh(x.mul(0.5f)).fma(0.5f, 0.5f).intoArray(g, gOff + i);
        }
    }

    /** {@code g[i] = tanh(g[i] + u[i] + b[i])} for {@code i < upper}, a multiple of the lane count. */
    private static void tanhPass(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, int upper) {
        for (int i = 0; i < upper; i += L) {
            FloatVector x = FloatVector.fromArray(F, g, gOff + i).add(FloatVector.fromArray(F, u, uOff + i))
                    .add(FloatVector.fromArray(F, b, bOff + i));
            tanh(x).intoArray(g, gOff + i);
        }
    }

    @Override
    public void lstmBackward(float[] g, int gOff, float[] cPrev, int cPrevOff, float[] tc, int tcOff,
                             float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dc, int dcOff, int n) {
        int j = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); j < upper; j += L) {
            FloatVector i = FloatVector.fromArray(F, g, gOff + j);
            FloatVector f = FloatVector.fromArray(F, g, gOff + n + j);
            FloatVector o = FloatVector.fromArray(F, g, gOff + 2 * n + j);
            FloatVector cc = FloatVector.fromArray(F, g, gOff + 3 * n + j);
            FloatVector t = FloatVector.fromArray(F, tc, tcOff + j);
            FloatVector dh = FloatVector.fromArray(F, dh1, dh1Off + j).add(FloatVector.fromArray(F, dh2, dh2Off + j));
            FloatVector dC = dh.mul(o).fma(t.neg().fma(t, one), FloatVector.fromArray(F, dc, dcOff + j));
            dC.mul(cc).mul(i.mul(one.sub(i))).intoArray(g, gOff + j);
            dC.mul(FloatVector.fromArray(F, cPrev, cPrevOff + j)).mul(f.mul(one.sub(f))).intoArray(g, gOff + n + j);
            dh.mul(t).mul(o.mul(one.sub(o))).intoArray(g, gOff + 2 * n + j);
            dC.mul(i).mul(cc.neg().fma(cc, one)).intoArray(g, gOff + 3 * n + j);
            dC.mul(f).intoArray(dc, dcOff + j);
        }
        ScalarKernels.lstmBackward(g, gOff, cPrev, cPrevOff, tc, tcOff, dh1, dh1Off, dh2, dh2Off, dc, dcOff, j, n);
    }

    @Override
    public void gruGates(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                         float[] rh, int rhOff, int n) {
        // Passes with one activation each, as lstmForward: inside a training step C2 boxed the fused loop's vectors.
        int j = F.loopBound(n);
        sigmoidPass(g, gOff, u, uOff, b, bOff, j);
        sigmoidPass(g, gOff + n, u, uOff + n, b, bOff + n, j);
        for (int i = 0; i < j; i += L) {
            FloatVector.fromArray(F, g, gOff + n + i).mul(FloatVector.fromArray(F, hPrev, hPrevOff + i)).intoArray(rh, rhOff + i);
        }
        ScalarKernels.gruGates(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, rh, rhOff, j, n);
    }

    @Override
    public void gruOutput(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                          float[] h, int hOff, int n) {
        int j = F.loopBound(n), c = 2 * n;
        tanhPass(g, gOff + c, u, uOff + c, b, bOff + c, j);
        for (int i = 0; i < j; i += L) {
            FloatVector cand = FloatVector.fromArray(F, g, gOff + c + i);
            FloatVector.fromArray(F, g, gOff + i).fma(FloatVector.fromArray(F, hPrev, hPrevOff + i).sub(cand), cand).intoArray(h, hOff + i);
        }
        ScalarKernels.gruOutput(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, h, hOff, j, n);
    }

    @Override
    public void gruBackwardOutput(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] dh1, int dh1Off,
                                  float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n) {
        int j = 0, c = 2 * n;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); j < upper; j += L) {
            FloatVector z = FloatVector.fromArray(F, g, gOff + j);
            FloatVector cand = FloatVector.fromArray(F, g, gOff + c + j);
            FloatVector dh = FloatVector.fromArray(F, dh1, dh1Off + j).add(FloatVector.fromArray(F, dh2, dh2Off + j));
            dh.mul(one.sub(z)).mul(cand.neg().fma(cand, one)).intoArray(g, gOff + c + j);
            dh.mul(FloatVector.fromArray(F, hPrev, hPrevOff + j).sub(cand)).mul(z.mul(one.sub(z))).intoArray(g, gOff + j);
            dh.mul(z).intoArray(dhPrev, dhPrevOff + j);
        }
        ScalarKernels.gruBackwardOutput(g, gOff, hPrev, hPrevOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, j, n);
    }

    @Override
    public void gruBackwardReset(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] drh, int drhOff,
                                 float[] dhPrev, int dhPrevOff, int n) {
        int j = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); j < upper; j += L) {
            FloatVector r = FloatVector.fromArray(F, g, gOff + n + j);
            FloatVector d = FloatVector.fromArray(F, drh, drhOff + j);
            d.mul(FloatVector.fromArray(F, hPrev, hPrevOff + j)).mul(r.mul(one.sub(r))).intoArray(g, gOff + n + j);
            d.fma(r, FloatVector.fromArray(F, dhPrev, dhPrevOff + j)).intoArray(dhPrev, dhPrevOff + j);
        }
        ScalarKernels.gruBackwardReset(g, gOff, hPrev, hPrevOff, drh, drhOff, dhPrev, dhPrevOff, j, n);
    }

    // ---- softmax + cross-entropy -------------------------------------------------------------------

    static FloatVector exp(FloatVector x) {
        FloatVector c = clamp(x, FastMath.EXP_LO, FastMath.EXP_HI);
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

    @Override
    public double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
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
            float max = PLAIN_PASSES ? plainMax(logits, lo, cols) : rowMax(logits, lo, last);
            int t = targets[tOff + r];
            float target = logits[lo + t];
            float sum = rowExp(logits, lo, cols, last, max, grad, go, lanes);
            loss += Math.log(sum) + max - target;
            if (PLAIN_PASSES) plainScale(grad, go, cols, gradScale / sum);
            else rowScale(grad, go, cols, last, gradScale / sum);
            grad[go + t] -= gradScale;
        }
        return loss;
    }

    /**
     * Below JDK 25 the max and scaling passes of a row are plain loops (the same bits: a max is exact, and each
     * element is multiplied once either way). JDK 17's C2, compiling the softmax loop with all three passes
     * inlined, sometimes left one of their vector calls out of line and ran it on the heap: 107–215 KB per
     * training step in 3 forks of 12 with the vector passes (`results/jdk17-allocation.md`).
     */
    private static final boolean PLAIN_PASSES = Runtime.version().feature() < 25;

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
        if (PLAIN_PASSES) {
            vsum.intoArray(lanes, 0);
            for (int w = L / 2; w >= 1; w /= 2) {
                for (int i = 0; i < w; i++) lanes[i] += lanes[i + w];
            }
            return lanes[0];
        }
        if (L >= 16) vsum = vsum.add(vsum.rearrange(ROTATE_8));
        if (L >= 8) vsum = vsum.add(vsum.rearrange(ROTATE_4));
        vsum = vsum.add(vsum.rearrange(ROTATE_2));
        vsum = vsum.add(vsum.rearrange(ROTATE_1));
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

    /**
     * The lanes' sum in lane order. {@code reduceLanes(ADD)} leaves the order open, and the JIT's order
     * differs from the interpreter's: training would then give other bits depending on what had been compiled
     * when, and resumed or repeated runs would not match.
     */
    static float sumLanes(FloatVector v) {
        // A fixed tree of lane rotations: every step is lane-wise, so interpreted and compiled code agree.
        if (L >= 16) v = v.add(v.rearrange(ROTATE_8));
        if (L >= 8) v = v.add(v.rearrange(ROTATE_4));
        v = v.add(v.rearrange(ROTATE_2));
        v = v.add(v.rearrange(ROTATE_1));
        return v.lane(0);
    }

    /** Per thread, one vector's lanes for {@link #rowExp}'s sum. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);
    private static final VectorShuffle<Float> ROTATE_8 = VectorShuffle.fromOp(F, i -> (i + 8) % L);
    private static final VectorShuffle<Float> ROTATE_4 = VectorShuffle.fromOp(F, i -> (i + 4) % L);
    private static final VectorShuffle<Float> ROTATE_2 = VectorShuffle.fromOp(F, i -> (i + 2) % L);
    private static final VectorShuffle<Float> ROTATE_1 = VectorShuffle.fromOp(F, i -> (i + 1) % L);

    // ---- reductions and updates ------------------------------------------------------------------

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        // Float lanes within a block, double across blocks: the clipping norm sums ~300k squares, and one
        // float accumulator per lane over all of them would lose ~1e-5 of relative precision.
        double total = 0;
        int i = 0;
        while (i < n) {
            int end = Math.min(n, i + SUM_BLOCK);
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            for (int upper = end - 2 * L + 1; i < upper; i += 2 * L) {
                FloatVector v0 = FloatVector.fromArray(F, x, off + i);
                FloatVector v1 = FloatVector.fromArray(F, x, off + i + L);
                s0 = v0.fma(v0, s0);
                s1 = v1.fma(v1, s1);
            }
            double s = sumLanes(s0.add(s1));
            for (; i < end; i++) s += (double) x[off + i] * x[off + i];
            total += s;
        }
        return total;
    }

    private static final int SUM_BLOCK = 2048;

    /** {@link DropoutHash#draw} on int lanes: the same wrapping multiplies and shifts, so the same bits. */
    @Override
    public void dropout(float[] x, int xOff, float[] y, int yOff, int n, int key, int threshold, float scale) {
        IntVector counter = IntVector.zero(I).addIndex(1).mul(DropoutHash.GOLDEN32).add(key);
        IntVector stride = IntVector.broadcast(I, L * DropoutHash.GOLDEN32);
        FloatVector s = FloatVector.broadcast(F, scale), zero = FloatVector.zero(F);
        int j = 0;
        for (int upper = F.loopBound(n); j < upper; j += L) {
            IntVector h = counter;
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(DropoutHash.M1);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 15)).mul(DropoutHash.M2);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
            VectorMask<Float> kept = h.lanewise(VectorOperators.LSHR, 1).compare(VectorOperators.GE, threshold).cast(F);
            zero.blend(FloatVector.fromArray(F, x, xOff + j).mul(s), kept).intoArray(y, yOff + j);
            counter = counter.add(stride);
        }
        for (; j < n; j++) y[yOff + j] = DropoutHash.keep(key, j, threshold) ? x[xOff + j] * scale : 0f;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }

    @Override
    public void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += L) {
            FloatVector.fromArray(F, x, xOff + i).add(FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    @Override
    public void columnSums(float[] x, int xOff, int rows, int cols, int ld, float[] out, int outOff) {
        if (PLAIN_PASSES) {
            // Row by row into out (which stays in L1), not a vector accumulator carried over the rows: JDK 17's
            // C2 boxes that accumulator on every iteration.
            for (int r = 0; r < rows; r++) add(x, xOff + r * ld, out, outOff, cols);
            return;
        }
        // Eight vectors of columns at a time, summed in registers down all the rows: row by row through out, each
        // add waited for the store of the row before (560 × 256 of a 768-wide panel: 12.4 µs against 6.0, JDK 25,
        // Zen 5). Each column still adds its rows in order onto out's value: the same bits.
        int j = 0;
        for (; j + 8 * L <= cols; j += 8 * L) {
            int o = outOff + j;
            FloatVector s0 = FloatVector.fromArray(F, out, o), s1 = FloatVector.fromArray(F, out, o + L);
            FloatVector s2 = FloatVector.fromArray(F, out, o + 2 * L), s3 = FloatVector.fromArray(F, out, o + 3 * L);
            FloatVector s4 = FloatVector.fromArray(F, out, o + 4 * L), s5 = FloatVector.fromArray(F, out, o + 5 * L);
            FloatVector s6 = FloatVector.fromArray(F, out, o + 6 * L), s7 = FloatVector.fromArray(F, out, o + 7 * L);
            for (int r = 0, at = xOff + j; r < rows; r++, at += ld) {
                s0 = s0.add(FloatVector.fromArray(F, x, at));
                s1 = s1.add(FloatVector.fromArray(F, x, at + L));
                s2 = s2.add(FloatVector.fromArray(F, x, at + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, x, at + 3 * L));
                s4 = s4.add(FloatVector.fromArray(F, x, at + 4 * L));
                s5 = s5.add(FloatVector.fromArray(F, x, at + 5 * L));
                s6 = s6.add(FloatVector.fromArray(F, x, at + 6 * L));
                s7 = s7.add(FloatVector.fromArray(F, x, at + 7 * L));
            }
            s0.intoArray(out, o);
            s1.intoArray(out, o + L);
            s2.intoArray(out, o + 2 * L);
            s3.intoArray(out, o + 3 * L);
            s4.intoArray(out, o + 4 * L);
            s5.intoArray(out, o + 5 * L);
            s6.intoArray(out, o + 6 * L);
            s7.intoArray(out, o + 7 * L);
        }
        for (; j + L <= cols; j += L) {
            FloatVector s = FloatVector.fromArray(F, out, outOff + j);
            for (int r = 0, at = xOff + j; r < rows; r++, at += ld) s = s.add(FloatVector.fromArray(F, x, at));
            s.intoArray(out, outOff + j);
        }
        for (; j < cols; j++) {
            float s = out[outOff + j];
            for (int r = 0; r < rows; r++) s += x[xOff + r * ld + j];
            out[outOff + j] = s;
        }
    }

    @Override
    public void scatterAddRows(float[] x, int xOff, int ld, int rows, int[] idx, int idxOff, float[] out, int outOff, int ldOut,
                               int cols) {
        if (PLAIN_PASSES) {
            for (int r = 0; r < rows; r++) add(x, xOff + r * ld, out, outOff + idx[idxOff + r] * ldOut, cols);
            return;
        }
        // Each target row's sources summed in registers, as columnSums does: added row by row, an add waited for
        // the store of an earlier row with the same token (560 rows of 256 into 28: 14.0 µs against 8.7). The rows
        // of each target are linked in increasing r (next), so each element still adds them in order: the same bits.
        RowLists lists = ROW_LISTS.get();
        int[] next = lists.next(rows);
        int top = 0;
        for (int r = 0; r < rows; r++) top = Math.max(top, idx[idxOff + r]);
        int[] head = lists.head(top + 1);
        for (int r = rows - 1; r >= 0; r--) {
            int v = idx[idxOff + r];
            next[r] = head[v];
            head[v] = r;
        }
        for (int r = 0; r < rows; r++) {
            int v = idx[idxOff + r], first = head[v];
            if (first < 0) continue; // that target's rows are added already
            head[v] = -1;            // and head is back as it was found
            sumRows(x, xOff, ld, next, first, out, outOff + v * ldOut, cols);
        }
    }

    /** Adds the rows of {@code x} linked from {@code first} through {@code next} into {@code out[o …]}. */
    private static void sumRows(float[] x, int xOff, int ld, int[] next, int first, float[] out, int o, int cols) {
        int j = 0;
        // eight vectors (two cache lines of each row) per walk of the list: the rows are far apart
        for (; j + 8 * L <= cols; j += 8 * L) {
            FloatVector s0 = FloatVector.fromArray(F, out, o + j), s1 = FloatVector.fromArray(F, out, o + j + L);
            FloatVector s2 = FloatVector.fromArray(F, out, o + j + 2 * L), s3 = FloatVector.fromArray(F, out, o + j + 3 * L);
            FloatVector s4 = FloatVector.fromArray(F, out, o + j + 4 * L), s5 = FloatVector.fromArray(F, out, o + j + 5 * L);
            FloatVector s6 = FloatVector.fromArray(F, out, o + j + 6 * L), s7 = FloatVector.fromArray(F, out, o + j + 7 * L);
            for (int r = first; r >= 0; r = next[r]) {
                int at = xOff + r * ld + j;
                s0 = s0.add(FloatVector.fromArray(F, x, at));
                s1 = s1.add(FloatVector.fromArray(F, x, at + L));
                s2 = s2.add(FloatVector.fromArray(F, x, at + 2 * L));
                s3 = s3.add(FloatVector.fromArray(F, x, at + 3 * L));
                s4 = s4.add(FloatVector.fromArray(F, x, at + 4 * L));
                s5 = s5.add(FloatVector.fromArray(F, x, at + 5 * L));
                s6 = s6.add(FloatVector.fromArray(F, x, at + 6 * L));
                s7 = s7.add(FloatVector.fromArray(F, x, at + 7 * L));
            }
            s0.intoArray(out, o + j);
            s1.intoArray(out, o + j + L);
            s2.intoArray(out, o + j + 2 * L);
            s3.intoArray(out, o + j + 3 * L);
            s4.intoArray(out, o + j + 4 * L);
            s5.intoArray(out, o + j + 5 * L);
            s6.intoArray(out, o + j + 6 * L);
            s7.intoArray(out, o + j + 7 * L);
        }
        for (; j + L <= cols; j += L) {
            FloatVector s = FloatVector.fromArray(F, out, o + j);
            for (int r = first; r >= 0; r = next[r]) s = s.add(FloatVector.fromArray(F, x, xOff + r * ld + j));
            s.intoArray(out, o + j);
        }
        for (; j < cols; j++) {
            float s = out[o + j];
            for (int r = first; r >= 0; r = next[r]) s += x[xOff + r * ld + j];
            out[o + j] = s;
        }
    }

    /** Per thread: the linked rows of {@link #scatterAddRows}, grown as needed; {@code head} is all −1 between calls. */
    private static final class RowLists {
        private int[] head = new int[0], next = new int[0];

        int[] head(int size) {
            if (head.length < size) {
                head = new int[Math.max(size, 2 * head.length)];
                java.util.Arrays.fill(head, -1);
            }
            return head;
        }

        int[] next(int size) {
            if (next.length < size) next = new int[Math.max(size, 2 * next.length)];
            return next;
        }
    }

    private static final ThreadLocal<RowLists> ROW_LISTS = ThreadLocal.withInitial(RowLists::new);

    @Override
    public void transpose(int rows, int cols, float[] src, int srcOff, int lds, float[] dst, int dstOff, int ldd) {
        if (rows == 16 && cols == 16 && VectorTranspose.AVAILABLE) {
            VectorTranspose.rows16x16(src, srcOff, lds, dst, dstOff, ldd);
            return;
        }
        for (int r = 0; r < rows; r++) {
            int s = srcOff + r * lds;
            for (int c = 0; c < cols; c++) dst[dstOff + c * ldd + r] = src[s + c];
        }
    }

    // ---- optimisers ---------------------------------------------------------------------------------

    // The same operations in the same order as ScalarKernels (fma where it has Math.fma, a correctly
    // rounded sqrt and div), so the two give the same bits and a run does not depend on the kernels.

    @Override
    public void adamStep(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                         float gradScale, float l2, float decay, float beta1, float oneMinusBeta1,
                         float beta2, float oneMinusBeta2, float stepSize, float bc2Sqrt, float eps) {
        FloatVector vl2 = FloatVector.broadcast(F, l2), vb1 = FloatVector.broadcast(F, beta1);
        FloatVector vc1 = FloatVector.broadcast(F, oneMinusBeta1), vb2 = FloatVector.broadcast(F, beta2);
        FloatVector vc2 = FloatVector.broadcast(F, oneMinusBeta2), veps = FloatVector.broadcast(F, eps);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += L) {
            FloatVector pi = FloatVector.fromArray(F, p, pOff + i);
            FloatVector gi = vl2.fma(pi, FloatVector.fromArray(F, g, gOff + i).mul(gradScale));
            FloatVector mi = gi.fma(vc1, FloatVector.fromArray(F, m, mOff + i).mul(vb1));
            FloatVector vi = FloatVector.fromArray(F, v, vOff + i).mul(vb2).add(gi.mul(vc2).mul(gi));
            mi.intoArray(m, mOff + i);
            vi.intoArray(v, vOff + i);
            FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(veps);
            pi.mul(decay).sub(mi.mul(stepSize).div(denom)).intoArray(p, pOff + i);
        }
        // The tail is the scalar twin's loop, element for element the same operations.
        TAIL.adamStep(p, pOff + i, g, gOff + i, m, mOff + i, v, vOff + i, n - i, gradScale, l2, decay, beta1, oneMinusBeta1,
                beta2, oneMinusBeta2, stepSize, bc2Sqrt, eps);
    }

    @Override
    public void rmspropStep(float[] p, int pOff, float[] g, int gOff, float[] v, int vOff, int n,
                            float gradScale, float l2, float alpha, float oneMinusAlpha, float lr, float eps) {
        FloatVector vl2 = FloatVector.broadcast(F, l2), va = FloatVector.broadcast(F, alpha);
        FloatVector vc = FloatVector.broadcast(F, oneMinusAlpha), veps = FloatVector.broadcast(F, eps);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += L) {
            FloatVector pi = FloatVector.fromArray(F, p, pOff + i);
            FloatVector gi = vl2.fma(pi, FloatVector.fromArray(F, g, gOff + i).mul(gradScale));
            FloatVector vi = FloatVector.fromArray(F, v, vOff + i).mul(va).add(gi.mul(vc).mul(gi));
            vi.intoArray(v, vOff + i);
            pi.sub(gi.mul(lr).div(vi.lanewise(VectorOperators.SQRT).add(veps))).intoArray(p, pOff + i);
        }
        TAIL.rmspropStep(p, pOff + i, g, gOff + i, v, vOff + i, n - i, gradScale, l2, alpha, oneMinusAlpha, lr, eps);
    }

    // ---- PyTorch's GRU ------------------------------------------------------------------------------

    @Override
    public void torchGruForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] bhh, int bhhOff,
                                float[] hPrev, int hPrevOff, float[] hn, int hnOff, float[] h, int hOff, int n) {
        // One activation per pass, as lstmForward (a loop with three boxed its vectors).
        int j = F.loopBound(n);
        sigmoidPass(g, gOff, u, uOff, b, bOff, j);
        sigmoidPass(g, gOff + n, u, uOff + n, b, bOff + n, j);
        torchCandidatePass(g, gOff, u, uOff, b, bOff, bhh, bhhOff, hPrev, hPrevOff, hn, hnOff, h, hOff, n, j);
        ScalarKernels.torchGruForward(g, gOff, u, uOff, b, bOff, bhh, bhhOff, hPrev, hPrevOff, hn, hnOff, h, hOff, j, n);
    }

    /** nn.GRU's candidate {@code tanh(x + b + r⊙(rec + bhh))} and the new state, given z and r in {@code g}. */
    private static void torchCandidatePass(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] bhh, int bhhOff,
                                           float[] hPrev, int hPrevOff, float[] hn, int hnOff, float[] h, int hOff, int n, int upper) {
        int c = 2 * n;
        for (int j = 0; j < upper; j += L) {
            FloatVector r = FloatVector.fromArray(F, g, gOff + n + j);
            FloatVector rec = FloatVector.fromArray(F, g, gOff + c + j).add(FloatVector.fromArray(F, bhh, bhhOff + j));
            FloatVector x = FloatVector.fromArray(F, u, uOff + c + j).add(FloatVector.fromArray(F, b, bOff + c + j));
            FloatVector cand = tanh(r.fma(rec, x));
            cand.intoArray(g, gOff + c + j);
            rec.intoArray(hn, hnOff + j);
            FloatVector.fromArray(F, g, gOff + j).fma(FloatVector.fromArray(F, hPrev, hPrevOff + j).sub(cand), cand).intoArray(h, hOff + j);
        }
    }

    @Override
    public void torchGruBackward(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff,
                                 float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n) {
        int j = 0, c = 2 * n;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int upper = F.loopBound(n); j < upper; j += L) {
            FloatVector z = FloatVector.fromArray(F, g, gOff + j);
            FloatVector r = FloatVector.fromArray(F, g, gOff + n + j);
            FloatVector cand = FloatVector.fromArray(F, g, gOff + c + j);
            FloatVector rec = FloatVector.fromArray(F, hn, hnOff + j);
            FloatVector dh = FloatVector.fromArray(F, dh1, dh1Off + j).add(FloatVector.fromArray(F, dh2, dh2Off + j));
            FloatVector dn = dh.mul(one.sub(z)).mul(cand.neg().fma(cand, one));
            dh.mul(FloatVector.fromArray(F, hPrev, hPrevOff + j).sub(cand)).mul(z.mul(one.sub(z))).intoArray(g, gOff + j);
            dn.mul(rec).mul(r.mul(one.sub(r))).intoArray(g, gOff + n + j);
            dn.mul(r).intoArray(g, gOff + c + j);
            dn.intoArray(hn, hnOff + j);
            dh.mul(z).intoArray(dhPrev, dhPrevOff + j);
        }
        ScalarKernels.torchGruBackward(g, gOff, hPrev, hPrevOff, hn, hnOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, j, n);
    }
}
