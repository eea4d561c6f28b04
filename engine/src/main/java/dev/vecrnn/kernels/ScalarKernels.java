package dev.vecrnn.kernels;

/** Plain loops: the reference every other implementation is tested against, and the fallback. */
public final class ScalarKernels implements Kernels {

    @Override public String name() { return "scalar"; }

    @Override public int lanes() { return 1; }

    @Override
    public void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        GemmChecks.check(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (!accumulate) {
            for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
        }
        switch (layout) {
            case NN:
                for (int i = 0; i < m; i++) {
                    int ci = cOff + i * ldc;
                    for (int p = 0; p < k; p++) {
                        float aip = a[aOff + i * lda + p];
                        int bp = bOff + p * ldb;
                        for (int j = 0; j < n; j++) c[ci + j] = Math.fma(aip, b[bp + j], c[ci + j]);
                    }
                }
                break;
            case NT:
                for (int i = 0; i < m; i++) {
                    int ai = aOff + i * lda;
                    for (int j = 0; j < n; j++) {
                        int bj = bOff + j * ldb;
                        float s = 0f;
                        for (int p = 0; p < k; p++) s = Math.fma(a[ai + p], b[bj + p], s);
                        c[cOff + i * ldc + j] += s;
                    }
                }
                break;
            case TN:
                for (int p = 0; p < k; p++) {
                    int ap = aOff + p * lda;
                    int bp = bOff + p * ldb;
                    for (int i = 0; i < m; i++) {
                        float api = a[ap + i];
                        int ci = cOff + i * ldc;
                        for (int j = 0; j < n; j++) c[ci + j] = Math.fma(api, b[bp + j], c[ci + j]);
                    }
                }
                break;
            default:
                throw new AssertionError(layout);
        }
    }

    @Override
    public void tanhForward(float[] z, int zOff, float[] u, int uOff, float[] bias, int biasOff,
                            float[] h, int hOff, int n) {
        for (int i = 0; i < n; i++) h[hOff + i] = FastMath.tanh(z[zOff + i] + u[uOff + i] + bias[biasOff + i]);
    }

    @Override
    public void tanhBackward(float[] h, int hOff, float[] dh1, int dh1Off, float[] dh2, int dh2Off,
                             float[] dz, int dzOff, int n) {
        for (int i = 0; i < n; i++) {
            float y = h[hOff + i];
            dz[dzOff + i] = (dh1[dh1Off + i] + dh2[dh2Off + i]) * (1f - y * y);
        }
    }

    @Override
    public double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
                                      float gradScale, float[] grad, int gOff) {
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            loss += softmaxRow(logits, lOff + r * cols, cols, targets[tOff + r], gradScale, grad, gOff + r * cols);
        }
        return loss;
    }

    /** One row of {@link #softmaxCrossEntropy}; the vector kernels use it where a row's tail would read past the array. */
    static double softmaxRow(float[] logits, int lo, int cols, int t, float gradScale, float[] grad, int go) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) max = Math.max(max, logits[lo + j]);
        float target = logits[lo + t];
        float sum = 0f;
        for (int j = 0; j < cols; j++) {
            float e = FastMath.exp(logits[lo + j] - max);
            grad[go + j] = e;
            sum += e;
        }
        float s = gradScale / sum;
        for (int j = 0; j < cols; j++) grad[go + j] *= s;
        grad[go + t] -= gradScale;
        return Math.log(sum) + max - target;
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) x[off + i] * x[off + i];
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }

    @Override
    public void add(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    @Override
    public void columnSums(float[] x, int xOff, int rows, int cols, int ld, float[] out, int outOff) {
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * ld;
            for (int j = 0; j < cols; j++) out[outOff + j] += x[xo + j];
        }
    }

    @Override
    public void adamStep(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                         float gradScale, float l2, float decay, float beta1, float oneMinusBeta1,
                         float beta2, float oneMinusBeta2, float stepSize, float bc2Sqrt, float eps) {
        for (int i = 0; i < n; i++) {
            float pi = p[pOff + i];
            float gi = Math.fma(l2, pi, g[gOff + i] * gradScale);
            float mi = Math.fma(oneMinusBeta1, gi, beta1 * m[mOff + i]);
            float vi = beta2 * v[vOff + i] + oneMinusBeta2 * gi * gi;
            m[mOff + i] = mi;
            v[vOff + i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[pOff + i] = pi * decay - stepSize * mi / denom;
        }
    }

    @Override
    public void rmspropStep(float[] p, int pOff, float[] g, int gOff, float[] v, int vOff, int n,
                            float gradScale, float l2, float alpha, float oneMinusAlpha, float lr, float eps) {
        for (int i = 0; i < n; i++) {
            float pi = p[pOff + i];
            float gi = Math.fma(l2, pi, g[gOff + i] * gradScale);
            float vi = alpha * v[vOff + i] + oneMinusAlpha * gi * gi;
            v[vOff + i] = vi;
            p[pOff + i] = pi - lr * gi / ((float) Math.sqrt(vi) + eps);
        }
    }
}
