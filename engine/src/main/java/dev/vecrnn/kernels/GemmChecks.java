package dev.vecrnn.kernels;

/** Argument checks shared by the GEMM implementations: a bad shape fails here, not as a wrong answer. */
final class GemmChecks {
    private GemmChecks() {}

    static void check(Layout layout, int m, int n, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative GEMM size " + m + "x" + k + "x" + n);
        int aRows = layout == Layout.TN ? k : m, aCols = layout == Layout.TN ? m : k;
        int bRows = layout == Layout.NT ? n : k, bCols = layout == Layout.NT ? k : n;
        fits("A", a, aOff, aRows, aCols, lda);
        if (layout == Layout.NP) packed(b, bOff, k, n, ldb);
        else fits("B", b, bOff, bRows, bCols, ldb);
        fits("C", c, cOff, m, n, ldc);
    }

    /** B of {@link Layout#NP}: {@code n} columns of a packed matrix of {@code ldk ≥ k} rows, whole panels. */
    private static void packed(float[] b, int off, int k, int n, int ldk) {
        if (k == 0 || n == 0) return;
        long end = off + (long) (PackedPanel.paddedColumns(n) / PackedPanel.WIDTH - 1) * ldk * PackedPanel.WIDTH
                + (long) k * PackedPanel.WIDTH;
        if (ldk < k || off < 0 || end > b.length) {
            throw new IllegalArgumentException("packed B (" + k + "x" + n + " of " + ldk + " rows, offset " + off
                    + ") does not fit in an array of " + b.length);
        }
    }

    private static void fits(String what, float[] x, int off, int rows, int cols, int ld) {
        if (rows == 0 || cols == 0) return;
        if (ld < cols || off < 0 || (long) off + (long) (rows - 1) * ld + cols > x.length) {
            throw new IllegalArgumentException(what + " (" + rows + "x" + cols + ", ld " + ld + ", offset " + off
                    + ") does not fit in an array of " + x.length);
        }
    }
}
