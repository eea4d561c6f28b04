package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.PackedPanel;

/** Blocked out-of-place transpose, for packing weights once per minibatch. */
final class Transpose {
    private Transpose() {}

    /**
     * 16×16 tiles ({@link Kernels#transpose}, in registers where the vector kernels can): measured element by
     * element on a 512×512 matrix (JDK 25, Zen 5) 125 µs against 550 µs for 32×32 tiles, whose 32 destination
     * rows 2 KiB apart alias in the L1 cache.
     */
    private static final int TILE = 16;

    /**
     * The part of {@code dst (cols, rows) = src (rows, cols)ᵀ} (src dense, dst rows {@code ldDst} apart) that
     * reads source rows {@code [from, to)}: parts can run on different threads.
     */
    static void rows(Kernels k, float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff, int ldDst, int from,
                     int to) {
        for (int r0 = from; r0 < to; r0 += TILE) {
            int r1 = Math.min(to, r0 + TILE);
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int c1 = Math.min(cols, c0 + TILE);
                k.transpose(r1 - r0, c1 - c0, src, srcOff + r0 * cols + c0, cols, dst, dstOff + c0 * ldDst + r0, ldDst);
            }
        }
    }

    /**
     * The part of {@code src (rows, cols)ᵀ} that reads source rows {@code [from, to)}, written into rows
     * {@code [row0, row0 + cols)} of a {@link PackedPanel} matrix of {@code k} rows at {@code dstOff}: source
     * row {@code r} is column {@code r} there, so each panel takes {@code WIDTH} source rows, transposed with a
     * row stride of {@code WIDTH}.
     */
    static void intoPanels(Kernels kernels, float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff, int k,
                           int row0, int from, int to) {
        int w = PackedPanel.WIDTH;
        for (int p0 = from / w * w; p0 < to; p0 += w) {
            int lo = Math.max(from, p0), hi = Math.min(to, p0 + w);
            rows(kernels, src, srcOff + p0 * cols, Math.min(w, rows - p0), cols, dst, dstOff + PackedPanel.index(k, row0, p0), w,
                    lo - p0, hi - p0);
        }
    }
}
