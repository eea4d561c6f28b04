package dev.vecrnn.model;

/** Blocked out-of-place transpose, for packing weights once per minibatch. */
final class Transpose {
    private Transpose() {}

    private static final int TILE = 32;

    /** {@code dst (cols, rows) = src (rows, cols)ᵀ}, both dense. */
    static void of(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int r1 = Math.min(rows, r0 + TILE);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(cols, c0 + TILE);
                for (int r = r0; r < r1; r++) {
                    int s = srcOff + r * cols;
                    for (int c = c0; c < c1; c++) dst[dstOff + c * rows + r] = src[s + c];
                }
            }
        }
    }
}
