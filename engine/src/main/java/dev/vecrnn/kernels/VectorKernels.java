package dev.vecrnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels. Only this class and the {@code Vector*} classes it calls ({@link VectorGemm} and its
 * tiles, {@link VectorSoftmax}, {@link VectorRowSums}, {@link VectorTranspose}) touch {@code jdk.incubator.vector};
 * {@link KernelProvider} loads it reflectively, so the engine still runs without the module.
 *
 * <p>Vectors stay in locals throughout: a vector stored in a field or array is boxed and the loop falls
 * an order of magnitude.
 */
final class VectorKernels implements Kernels {

    static final VectorSpecies<Float> F = VectorSpecies.of(float.class,
            jdk.incubator.vector.VectorShape.forBitSize(KernelProvider.vectorBits()));
    static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = F.length();
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

    @Override
    public double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
                                      float gradScale, float[] grad, int gOff) {
        return VectorSoftmax.softmaxCrossEntropy(logits, lOff, rows, cols, targets, tOff, gradScale, grad, gOff);
    }

    /**
     * Below JDK 25 some passes are plain loops or go through memory, with the same bits: there C2 sometimes left a
     * vector call of a kernel with several passes out of line and ran it on the heap (`results/jdk17-allocation.md`):
     * the softmax's max and scaling passes and the sum of its lanes ({@link VectorSoftmax}), and sums carried in
     * registers down rows ({@link VectorRowSums}).
     */
    static final boolean PLAIN_PASSES = Runtime.version().feature() < 25;

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

    static final VectorShuffle<Float> ROTATE_8 = VectorShuffle.fromOp(F, i -> (i + 8) % L);
    static final VectorShuffle<Float> ROTATE_4 = VectorShuffle.fromOp(F, i -> (i + 4) % L);
    static final VectorShuffle<Float> ROTATE_2 = VectorShuffle.fromOp(F, i -> (i + 2) % L);
    static final VectorShuffle<Float> ROTATE_1 = VectorShuffle.fromOp(F, i -> (i + 1) % L);


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
        VectorRowSums.add(x, xOff, y, yOff, n);
    }

    @Override
    public void columnSums(float[] x, int xOff, int rows, int cols, int ld, float[] out, int outOff) {
        VectorRowSums.columnSums(x, xOff, rows, cols, ld, out, outOff);
    }

    @Override
    public void scatterAddRows(float[] x, int xOff, int ld, int rows, int[] idx, int idxOff, float[] out, int outOff, int ldOut,
                               int cols) {
        VectorRowSums.scatterAddRows(x, xOff, ld, rows, idx, idxOff, out, outOff, ldOut, cols);
    }

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
