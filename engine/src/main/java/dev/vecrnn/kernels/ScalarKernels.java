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
            case NP:
                for (int i = 0; i < m; i++) {
                    int ci = cOff + i * ldc;
                    for (int p = 0; p < k; p++) {
                        float aip = a[aOff + i * lda + p];
                        // panel by panel, so the inner loop runs over contiguous floats as NN's does
                        for (int j0 = 0; j0 < n; j0 += PackedPanel.WIDTH) {
                            int bp = bOff + PackedPanel.index(ldb, p, j0), cj = ci + j0, w = Math.min(PackedPanel.WIDTH, n - j0);
                            for (int q = 0; q < w; q++) c[cj + q] = Math.fma(aip, b[bp + q], c[cj + q]);
                        }
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

    /** The NN loop of {@link #gemm} for one row: one FMA chain per column, in order of p. */
    @Override
    public void gemv(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff, boolean accumulate) {
        GemmChecks.check(Layout.NN, 1, n, k, x, xOff, k, w, wOff, ldw, y, yOff, n);
        if (!accumulate) java.util.Arrays.fill(y, yOff, yOff + n, 0f);
        for (int p = 0; p < k; p++) {
            float xp = x[xOff + p];
            int wp = wOff + p * ldw;
            for (int j = 0; j < n; j++) y[yOff + j] = Math.fma(xp, w[wp + j], y[yOff + j]);
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
    public void lstmForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] cPrev, int cPrevOff,
                            float[] c, int cOff, float[] tc, int tcOff, float[] h, int hOff, int n) {
        lstmForward(g, gOff, u, uOff, b, bOff, cPrev, cPrevOff, c, cOff, tc, tcOff, h, hOff, 0, n);
    }

    /** Elements {@code [from, n)} of {@link #lstmForward}: the vector kernel's tail. */
    static void lstmForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] cPrev, int cPrevOff,
                            float[] c, int cOff, float[] tc, int tcOff, float[] h, int hOff, int from, int n) {
        for (int j = from; j < n; j++) {
            float i = FastMath.sigmoid(g[gOff + j] + u[uOff + j] + b[bOff + j]);
            float f = FastMath.sigmoid(g[gOff + n + j] + u[uOff + n + j] + b[bOff + n + j]);
            float o = FastMath.sigmoid(g[gOff + 2 * n + j] + u[uOff + 2 * n + j] + b[bOff + 2 * n + j]);
            float cc = FastMath.tanh(g[gOff + 3 * n + j] + u[uOff + 3 * n + j] + b[bOff + 3 * n + j]);
            float cNew = Math.fma(f, cPrev[cPrevOff + j], i * cc);
            float t = FastMath.tanh(cNew);
            g[gOff + j] = i;
            g[gOff + n + j] = f;
            g[gOff + 2 * n + j] = o;
            g[gOff + 3 * n + j] = cc;
            c[cOff + j] = cNew;
            tc[tcOff + j] = t;
            h[hOff + j] = o * t;
        }
    }

    @Override
    public void lstmBackward(float[] g, int gOff, float[] cPrev, int cPrevOff, float[] tc, int tcOff,
                             float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dc, int dcOff, int n) {
        lstmBackward(g, gOff, cPrev, cPrevOff, tc, tcOff, dh1, dh1Off, dh2, dh2Off, dc, dcOff, 0, n);
    }

    /** Elements {@code [from, n)} of {@link #lstmBackward}: the vector kernel's tail. */
    static void lstmBackward(float[] g, int gOff, float[] cPrev, int cPrevOff, float[] tc, int tcOff,
                             float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dc, int dcOff, int from, int n) {
        for (int j = from; j < n; j++) {
            float i = g[gOff + j], f = g[gOff + n + j], o = g[gOff + 2 * n + j], cc = g[gOff + 3 * n + j];
            float t = tc[tcOff + j];
            float dh = dh1[dh1Off + j] + dh2[dh2Off + j];
            float dC = Math.fma(dh * o, Math.fma(-t, t, 1f), dc[dcOff + j]);
            g[gOff + j] = dC * cc * (i * (1f - i));
            g[gOff + n + j] = dC * cPrev[cPrevOff + j] * (f * (1f - f));
            g[gOff + 2 * n + j] = dh * t * (o * (1f - o));
            g[gOff + 3 * n + j] = dC * i * Math.fma(-cc, cc, 1f);
            dc[dcOff + j] = dC * f;
        }
    }

    @Override
    public void gruGates(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                         float[] rh, int rhOff, int n) {
        gruGates(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, rh, rhOff, 0, n);
    }

    /** Elements {@code [from, n)} of {@link #gruGates}: the vector kernel's tail. */
    static void gruGates(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                         float[] rh, int rhOff, int from, int n) {
        for (int j = from; j < n; j++) {
            float z = FastMath.sigmoid(g[gOff + j] + u[uOff + j] + b[bOff + j]);
            float r = FastMath.sigmoid(g[gOff + n + j] + u[uOff + n + j] + b[bOff + n + j]);
            g[gOff + j] = z;
            g[gOff + n + j] = r;
            rh[rhOff + j] = r * hPrev[hPrevOff + j];
        }
    }

    @Override
    public void gruOutput(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                          float[] h, int hOff, int n) {
        gruOutput(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, h, hOff, 0, n);
    }

    /** Elements {@code [from, n)} of {@link #gruOutput}: the vector kernel's tail. */
    static void gruOutput(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev, int hPrevOff,
                          float[] h, int hOff, int from, int n) {
        int c = 2 * n;
        for (int j = from; j < n; j++) {
            float cand = FastMath.tanh(g[gOff + c + j] + u[uOff + c + j] + b[bOff + c + j]);
            float z = g[gOff + j];
            g[gOff + c + j] = cand;
            h[hOff + j] = Math.fma(z, hPrev[hPrevOff + j] - cand, cand);
        }
    }

    @Override
    public void gruBackwardOutput(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] dh1, int dh1Off,
                                  float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n) {
        gruBackwardOutput(g, gOff, hPrev, hPrevOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, 0, n);
    }

    /** Elements {@code [from, n)} of {@link #gruBackwardOutput}: the vector kernel's tail. */
    static void gruBackwardOutput(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] dh1, int dh1Off,
                                  float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int from, int n) {
        int c = 2 * n;
        for (int j = from; j < n; j++) {
            float z = g[gOff + j], cand = g[gOff + c + j];
            float dh = dh1[dh1Off + j] + dh2[dh2Off + j];
            g[gOff + c + j] = dh * (1f - z) * Math.fma(-cand, cand, 1f);
            g[gOff + j] = dh * (hPrev[hPrevOff + j] - cand) * (z * (1f - z));
            dhPrev[dhPrevOff + j] = dh * z;
        }
    }

    @Override
    public void gruBackwardReset(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] drh, int drhOff,
                                 float[] dhPrev, int dhPrevOff, int n) {
        gruBackwardReset(g, gOff, hPrev, hPrevOff, drh, drhOff, dhPrev, dhPrevOff, 0, n);
    }

    /** Elements {@code [from, n)} of {@link #gruBackwardReset}: the vector kernel's tail. */
    static void gruBackwardReset(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] drh, int drhOff,
                                 float[] dhPrev, int dhPrevOff, int from, int n) {
        for (int j = from; j < n; j++) {
            float r = g[gOff + n + j], d = drh[drhOff + j];
            g[gOff + n + j] = d * hPrev[hPrevOff + j] * (r * (1f - r));
            dhPrev[dhPrevOff + j] = Math.fma(d, r, dhPrev[dhPrevOff + j]);
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
    public void dropout(float[] x, int xOff, float[] y, int yOff, int n, int key, int threshold, float scale) {
        for (int j = 0; j < n; j++) y[yOff + j] = DropoutHash.keep(key, j, threshold) ? x[xOff + j] * scale : 0f;
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
    public void scatterAddRows(float[] x, int xOff, int ld, int rows, int[] idx, int idxOff, float[] out, int outOff, int ldOut,
                               int cols) {
        for (int r = 0; r < rows; r++) {
            int xo = xOff + r * ld, o = outOff + idx[idxOff + r] * ldOut;
            for (int j = 0; j < cols; j++) out[o + j] += x[xo + j];
        }
    }

    @Override
    public void transpose(int rows, int cols, float[] src, int srcOff, int lds, float[] dst, int dstOff, int ldd) {
        for (int r = 0; r < rows; r++) {
            int s = srcOff + r * lds;
            for (int c = 0; c < cols; c++) dst[dstOff + c * ldd + r] = src[s + c];
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

    @Override
    public void torchGruForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] bhh, int bhhOff,
                                float[] hPrev, int hPrevOff, float[] hn, int hnOff, float[] h, int hOff, int n) {
        torchGruForward(g, gOff, u, uOff, b, bOff, bhh, bhhOff, hPrev, hPrevOff, hn, hnOff, h, hOff, 0, n);
    }

    /** Elements {@code [from, n)} of {@link #torchGruForward}: the vector kernel's tail. */
    static void torchGruForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] bhh, int bhhOff,
                                float[] hPrev, int hPrevOff, float[] hn, int hnOff, float[] h, int hOff, int from, int n) {
        int c = 2 * n;
        for (int j = from; j < n; j++) {
            float z = FastMath.sigmoid(g[gOff + j] + u[uOff + j] + b[bOff + j]);
            float r = FastMath.sigmoid(g[gOff + n + j] + u[uOff + n + j] + b[bOff + n + j]);
            float rec = g[gOff + c + j] + bhh[bhhOff + j];
            float cand = FastMath.tanh(Math.fma(r, rec, u[uOff + c + j] + b[bOff + c + j]));
            g[gOff + j] = z;
            g[gOff + n + j] = r;
            g[gOff + c + j] = cand;
            hn[hnOff + j] = rec;
            h[hOff + j] = Math.fma(z, hPrev[hPrevOff + j] - cand, cand);
        }
    }

    @Override
    public void torchGruBackward(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff,
                                 float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n) {
        torchGruBackward(g, gOff, hPrev, hPrevOff, hn, hnOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, 0, n);
    }

    /** Elements {@code [from, n)} of {@link #torchGruBackward}: the vector kernel's tail. */
    static void torchGruBackward(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff,
                                 float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff,
                                 int from, int n) {
        int c = 2 * n;
        for (int j = from; j < n; j++) {
            float z = g[gOff + j], r = g[gOff + n + j], cand = g[gOff + c + j], rec = hn[hnOff + j];
            float dh = dh1[dh1Off + j] + dh2[dh2Off + j];
            float dn = dh * (1f - z) * Math.fma(-cand, cand, 1f);
            g[gOff + j] = dh * (hPrev[hPrevOff + j] - cand) * (z * (1f - z));
            g[gOff + n + j] = dn * rec * (r * (1f - r));
            g[gOff + c + j] = dn * r;
            hn[hnOff + j] = dn;
            dhPrev[dhPrevOff + j] = dh * z;
        }
    }
}
