package dev.vecrnn.kernels;

/**
 * Every numeric kernel the engine runs, over flat {@code float[]} buffers with explicit offsets.
 *
 * <p>There are two implementations: {@link ScalarKernels}, plain loops that are easy to trust, and the
 * Vector API one that {@link KernelProvider} loads only when {@code jdk.incubator.vector} is present. Tests
 * run every kernel on both, so the scalar one is also the specification of the vector one.
 */
public interface Kernels {

    /** A short name for logs and benchmark tables, e.g. {@code "scalar"} or {@code "vector-512"}. */
    String name();

    /** Floats per SIMD register (1 for scalar). */
    int lanes();

    /**
     * {@code C = op(A)·op(B)} (or {@code C += …} when {@code accumulate}); {@code C} is {@code (m, n)} with
     * leading dimension {@code ldc}. {@code A} is {@code (m, k)}, or {@code (k, m)} for {@link Layout#TN};
     * {@code B} is {@code (k, n)}, or {@code (n, k)} for {@link Layout#NT}. {@code C} must not overlap A or B.
     */
    void gemm(Layout layout, int m, int n, int k,
              float[] a, int aOff, int lda,
              float[] b, int bOff, int ldb,
              float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * The matrix–vector product of a batch-1 step: {@code y = x·W} (or {@code y += …} when {@code accumulate})
     * for {@code x} of {@code k} floats and {@code W (k, n)} with leading dimension {@code ldw}; each weight is
     * read once. Bit-identical to any row of {@link #gemm gemm(NN, …)} of the same implementation with that
     * row of A as {@code x}, so one sequence gets the same logits alone as in a batch. Each column is summed on
     * its own, so callers may split the columns ({@code w + j0, y + j0, n = j1 − j0}) across threads and get
     * the same bits. {@code y} must not overlap {@code x} or {@code W}.
     */
    void gemv(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff, boolean accumulate);

    /**
     * Runs {@code task} over ranges of rows that cover {@code [0, rows)} once each. These kernels run it on the
     * caller as one range; kernels that split work across threads may run the ranges in parallel, each with
     * kernels that do not split again. The rows must be independent: no range may read what another writes.
     */
    default void forRows(int rows, RangeTask task) {
        task.run(this, 0, rows);
    }

    /**
     * Runs {@code task} over ranges of {@code blocks} independent blocks of work (a layer's gates), as
     * {@link #forRows} does rows: whole here, possibly in parallel in kernels that split across threads.
     */
    default void forBlocks(int blocks, RangeTask task) {
        task.run(this, 0, blocks);
    }

    /**
     * Runs {@code task} over ranges of {@code columns} independent columns (sums down each column), as
     * {@link #forRows} does rows: whole here, possibly in parallel in kernels that split across threads.
     */
    default void forColumns(int columns, RangeTask task) {
        task.run(this, 0, columns);
    }

    /**
     * The recurrent activation with its inputs fused: {@code h[i] = tanh(z[i] + u[i] + bias[i])} for
     * {@code i < n}. {@code z} is the recurrent product, {@code u} the gathered input row (a row of
     * {@code W_xh}, standing for the one-hot product). {@code h} may alias {@code z}.
     */
    void tanhForward(float[] z, int zOff, float[] u, int uOff, float[] bias, int biasOff,
                     float[] h, int hOff, int n);

    /**
     * Backward of {@link #tanhForward} with the two incoming gradients summed in the same pass:
     * {@code dz[i] = (dh1[i] + dh2[i]) · (1 − h[i]²)}. {@code dz} may alias {@code dh1} or {@code dh2}.
     */
    void tanhBackward(float[] h, int hOff, float[] dh1, int dh1Off, float[] dh2, int dh2Off,
                      float[] dz, int dzOff, int n);

    /**
     * One LSTM step for one row (d2l 9.2), fused. {@code g} holds four {@code n}-wide blocks i, f, o, c of the
     * recurrent products {@code H_{t−1}·W_h*}; with {@code a = g + u + b} per block ({@code u} the input
     * contribution, {@code b} the biases, both laid out as {@code g}) it writes the activations
     * {@code σ(a_i), σ(a_f), σ(a_o), tanh(a_c)} back into {@code g}, then {@code c = f⊙cPrev + i⊙c̃},
     * {@code tc = tanh(c)} and {@code h = o⊙tc}.
     */
    void lstmForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] cPrev, int cPrevOff,
                     float[] c, int cOff, float[] tc, int tcOff, float[] h, int hOff, int n);

    /**
     * Backward of {@link #lstmForward} for one row: with {@code dH = dh1 + dh2} and {@code dc} the memory's
     * gradient from step t+1, {@code dC = dc + dH⊙o⊙(1 − tc²)}; replaces the activations in {@code g} by the
     * pre-activation gradients {@code (dA_i, dA_f, dA_o, dA_c)} and {@code dc} by {@code dC⊙f}, the memory's
     * gradient for step t−1.
     */
    void lstmBackward(float[] g, int gOff, float[] cPrev, int cPrevOff, float[] tc, int tcOff,
                      float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dc, int dcOff, int n);

    /**
     * The gates of one GRU step for one row (d2l 9.1). {@code g} holds three {@code n}-wide blocks z, r, h;
     * blocks z and r hold the recurrent products and become {@code σ(g + u + b)}; block h is left alone.
     * Writes {@code rh = r⊙hPrev}, the input of the candidate's recurrent product.
     */
    void gruGates(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                  float[] rh, int rhOff, int n);

    /**
     * The rest of a GRU step: block h of {@code g} holds {@code (R⊙H)·W_hh} and becomes
     * {@code h̃ = tanh(g_h + u_h + b_h)}; then {@code h = z⊙hPrev + (1 − z)⊙h̃}.
     */
    void gruOutput(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                   float[] h, int hOff, int n);

    /**
     * Backward of {@link #gruOutput} and of z for one row: with {@code dH = dh1 + dh2}, replaces block h of
     * {@code g} by {@code dA_h = dH⊙(1 − z)⊙(1 − h̃²)} and block z by {@code dA_z = dH⊙(hPrev − h̃)⊙z(1 − z)},
     * and writes {@code dhPrev = dH⊙z}. {@code dhPrev} may alias {@code dh2}.
     */
    void gruBackwardOutput(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] dh1, int dh1Off,
                           float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n);

    /**
     * Backward of the reset gate for one row, given {@code drh}, the gradient of {@code R⊙H}: replaces block r
     * of {@code g} by {@code dA_r = drh⊙hPrev⊙r(1 − r)} and adds {@code drh⊙r} to {@code dhPrev}.
     */
    void gruBackwardReset(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] drh, int drhOff,
                          float[] dhPrev, int dhPrevOff, int n);

    /**
     * Softmax and cross-entropy over {@code rows} rows of {@code cols} logits, in one pass per row: returns
     * the summed loss {@code Σ (logsumexp(row) − row[target])} and writes
     * {@code grad = (softmax(row) − onehot(target)) · gradScale}. {@code grad} must not overlap {@code logits}.
     */
    double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
                               float gradScale, float[] grad, int gOff);

    /**
     * Inverted dropout of one row of {@code n} units: {@code y[j] = x[j]·scale} if unit {@code j} is kept, else 0,
     * where unit {@code j} is kept when {@link DropoutHash#keep DropoutHash.keep(key, j, threshold)}. The mask is
     * a function of {@code key} alone, so backward calls this again on the gradient with the same key.
     * {@code y} may alias {@code x}.
     */
    void dropout(float[] x, int xOff, float[] y, int yOff, int n, int key, int threshold, float scale);

    /** {@code Σ x[i]²} over {@code n} elements, with double precision across blocks (the clipping norm). */
    double sumOfSquares(float[] x, int off, int n);

    /** {@code y[i] += alpha · x[i]}: the SGD update (with {@code alpha = −lr · clipScale}) and gradient sums. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code y[i] += x[i]}. */
    void add(float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code out[j] += Σ_i x[i·ld + j]} over {@code rows}: bias gradients. */
    void columnSums(float[] x, int xOff, int rows, int cols, int ld, float[] out, int outOff);

    /**
     * {@code out[outOff + idx[idxOff + r]·ldOut + j] += x[xOff + r·ld + j]} for each row {@code r < rows} and
     * {@code j < cols}: the gradient of a row gather (layer 0's {@code W_x*}, whose rows the tokens pick). Each
     * element of out adds its rows in increasing {@code r}.
     */
    void scatterAddRows(float[] x, int xOff, int ld, int rows, int[] idx, int idxOff, float[] out, int outOff, int ldOut,
                        int cols);

    /**
     * {@code dst[c·ldd + r] = src[r·lds + c]} for {@code r < rows, c < cols}: one tile of a transpose, for packing
     * the weights once per minibatch. {@code dst} must not overlap {@code src}.
     */
    void transpose(int rows, int cols, float[] src, int srcOff, int lds, float[] dst, int dstOff, int ldd);

    /**
     * One step of torch 1.13's Adam over {@code n} elements, in its order of operations (AdamW when
     * {@code decay ≠ 1}):
     * <pre>
     *   g' = g·gradScale + l2·p
     *   m  = β1·m + (1 − β1)·g'
     *   v  = β2·v + (1 − β2)·g'·g'
     *   p  = p·decay − stepSize·m / (√v / bc2Sqrt + eps)
     * </pre>
     * {@code gradScale} is the clipping factor, {@code l2} Adam's weight decay (added to the gradient),
     * {@code decay} AdamW's {@code 1 − lr·weight_decay}, {@code stepSize} {@code lr / (1 − β1^t)} and
     * {@code bc2Sqrt} {@code √(1 − β2^t)}. The complements {@code 1 − β} are passed rather than derived: torch
     * forms them in double, and {@code 1f − 0.999f} is 5e-5 away from {@code (float) (1 − 0.999)}.
     */
    void adamStep(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                  float gradScale, float l2, float decay, float beta1, float oneMinusBeta1,
                  float beta2, float oneMinusBeta2, float stepSize, float bc2Sqrt, float eps);

    /**
     * One step of torch's RMSprop (no momentum, not centred) over {@code n} elements:
     * {@code g' = g·gradScale + l2·p}, {@code v = α·v + (1 − α)·g'·g'}, {@code p = p − lr·g' / (√v + eps)}.
     */
    void rmspropStep(float[] p, int pOff, float[] g, int gOff, float[] v, int vOff, int n,
                     float gradScale, float l2, float alpha, float oneMinusAlpha, float lr, float eps);

    /**
     * One step of PyTorch's {@code nn.GRU} for one row, fused after the step's one recurrent GEMM. {@code g}
     * holds three {@code n}-wide blocks z, r, h of the recurrent products {@code H_{t−1}·[W_hz W_hr W_hh]};
     * {@code u} the input terms and {@code b} the biases {@code b_z, b_r, b_xh}, laid out as {@code g};
     * {@code bhh} the candidate's recurrent bias. Writes {@code hn = g_h + bhh}, then into {@code g}
     * {@code z = σ(g_z + u_z + b_z)}, {@code r = σ(g_r + u_r + b_r)} and {@code ñ = tanh(u_h + b_xh + r⊙hn)},
     * and {@code h = z⊙hPrev + (1 − z)⊙ñ}.
     */
    void torchGruForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] bhh, int bhhOff,
                         float[] hPrev, int hPrevOff, float[] hn, int hnOff, float[] h, int hOff, int n);

    /**
     * Backward of {@link #torchGruForward} for one row: with {@code dH = dh1 + dh2}, {@code dA_n =
     * dH⊙(1 − z)⊙(1 − ñ²)}, it replaces the blocks of {@code g} by the gradients of the recurrent products,
     * {@code dA_z = dH⊙(hPrev − ñ)⊙z(1 − z)}, {@code dA_r = dA_n⊙hn⊙r(1 − r)} and {@code dA_n⊙r}; replaces
     * {@code hn} by {@code dA_n}, the gradient of the candidate's input term; and writes {@code dhPrev = dH⊙z}.
     * {@code dhPrev} may alias {@code dh2}.
     */
    void torchGruBackward(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff,
                          float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n);
}
