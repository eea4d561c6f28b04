package dev.vecrnn.kernels;

/** Forwards every call; tests override one method to break it, slow it down or count its calls. */
public class DelegatingKernels implements Kernels {
    private final Kernels d;

    public DelegatingKernels(Kernels d) { this.d = d; }

    @Override public String name() { return "delegating-" + d.name(); }
    @Override public int lanes() { return d.lanes(); }
    @Override public void gemm(Layout layout, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        d.gemm(layout, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }
    @Override public void gemv(int n, int k, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
                               boolean accumulate) {
        d.gemv(n, k, x, xOff, w, wOff, ldw, y, yOff, accumulate);
    }
    @Override public void tanhForward(float[] z, int zOff, float[] u, int uOff, float[] bias, int biasOff,
                                      float[] h, int hOff, int n) {
        d.tanhForward(z, zOff, u, uOff, bias, biasOff, h, hOff, n);
    }
    @Override public void tanhBackward(float[] h, int hOff, float[] dh1, int dh1Off, float[] dh2, int dh2Off,
                                       float[] dz, int dzOff, int n) {
        d.tanhBackward(h, hOff, dh1, dh1Off, dh2, dh2Off, dz, dzOff, n);
    }
    @Override public void lstmForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] cPrev,
                                      int cPrevOff, float[] c, int cOff, float[] tc, int tcOff, float[] h, int hOff, int n) {
        d.lstmForward(g, gOff, u, uOff, b, bOff, cPrev, cPrevOff, c, cOff, tc, tcOff, h, hOff, n);
    }
    @Override public void lstmBackward(float[] g, int gOff, float[] cPrev, int cPrevOff, float[] tc, int tcOff,
                                       float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dc, int dcOff, int n) {
        d.lstmBackward(g, gOff, cPrev, cPrevOff, tc, tcOff, dh1, dh1Off, dh2, dh2Off, dc, dcOff, n);
    }
    @Override public void gruGates(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev,
                                   int hPrevOff, float[] rh, int rhOff, int n) {
        d.gruGates(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, rh, rhOff, n);
    }
    @Override public void gruOutput(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] hPrev,
                                    int hPrevOff, float[] h, int hOff, int n) {
        d.gruOutput(g, gOff, u, uOff, b, bOff, hPrev, hPrevOff, h, hOff, n);
    }
    @Override public void gruBackwardOutput(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] dh1, int dh1Off,
                                            float[] dh2, int dh2Off, float[] dhPrev, int dhPrevOff, int n) {
        d.gruBackwardOutput(g, gOff, hPrev, hPrevOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, n);
    }
    @Override public void gruBackwardReset(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] drh, int drhOff,
                                           float[] dhPrev, int dhPrevOff, int n) {
        d.gruBackwardReset(g, gOff, hPrev, hPrevOff, drh, drhOff, dhPrev, dhPrevOff, n);
    }
    @Override public double softmaxCrossEntropy(float[] logits, int lOff, int rows, int cols, int[] targets, int tOff,
                                                float gradScale, float[] grad, int gOff) {
        return d.softmaxCrossEntropy(logits, lOff, rows, cols, targets, tOff, gradScale, grad, gOff);
    }
    @Override public void dropout(float[] x, int xOff, float[] y, int yOff, int n, int key, int threshold, float scale) {
        d.dropout(x, xOff, y, yOff, n, key, threshold, scale);
    }
    @Override public double sumOfSquares(float[] x, int off, int n) { return d.sumOfSquares(x, off, n); }
    @Override public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) { d.axpy(alpha, x, xOff, y, yOff, n); }
    @Override public void add(float[] x, int xOff, float[] y, int yOff, int n) { d.add(x, xOff, y, yOff, n); }
    @Override public void columnSums(float[] x, int xOff, int rows, int cols, int ld, float[] out, int outOff) {
        d.columnSums(x, xOff, rows, cols, ld, out, outOff);
    }

    @Override public void scatterAddRows(float[] x, int xOff, int ld, int rows, int[] idx, int idxOff, float[] out,
                                         int outOff, int ldOut, int cols) {
        d.scatterAddRows(x, xOff, ld, rows, idx, idxOff, out, outOff, ldOut, cols);
    }

    @Override public void transpose(int rows, int cols, float[] src, int srcOff, int lds, float[] dst, int dstOff, int ldd) {
        d.transpose(rows, cols, src, srcOff, lds, dst, dstOff, ldd);
    }
    @Override public void adamStep(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                                   float gradScale, float l2, float decay, float beta1, float oneMinusBeta1,
                                   float beta2, float oneMinusBeta2, float stepSize, float bc2Sqrt, float eps) {
        d.adamStep(p, pOff, g, gOff, m, mOff, v, vOff, n, gradScale, l2, decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
                stepSize, bc2Sqrt, eps);
    }
    @Override public void rmspropStep(float[] p, int pOff, float[] g, int gOff, float[] v, int vOff, int n,
                                      float gradScale, float l2, float alpha, float oneMinusAlpha, float lr, float eps) {
        d.rmspropStep(p, pOff, g, gOff, v, vOff, n, gradScale, l2, alpha, oneMinusAlpha, lr, eps);
    }
    @Override public void torchGruForward(float[] g, int gOff, float[] u, int uOff, float[] b, int bOff, float[] bhh,
                                          int bhhOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff, float[] h,
                                          int hOff, int n) {
        d.torchGruForward(g, gOff, u, uOff, b, bOff, bhh, bhhOff, hPrev, hPrevOff, hn, hnOff, h, hOff, n);
    }
    @Override public void torchGruBackward(float[] g, int gOff, float[] hPrev, int hPrevOff, float[] hn, int hnOff,
                                           float[] dh1, int dh1Off, float[] dh2, int dh2Off, float[] dhPrev,
                                           int dhPrevOff, int n) {
        d.torchGruBackward(g, gOff, hPrev, hPrevOff, hn, hnOff, dh1, dh1Off, dh2, dh2Off, dhPrev, dhPrevOff, n);
    }
}
