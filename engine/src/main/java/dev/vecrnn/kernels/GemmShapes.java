package dev.vecrnn.kernels;

import java.util.List;

/**
 * The GEMM shapes vecrnn runs: one list that drives both the kernel tests ({@code GemmKernelsTest}) and the
 * benchmark ({@code GemmBench}), so every shape that is timed is also checked on every code path.
 *
 * <p>A spec is {@code MxKxN} ({@code C} is {@code M×N}, inner dimension {@code K}), optionally followed by
 * leading dimensions where the engine reads or writes a column block of a wider panel: {@code :ldaX},
 * {@code :ldbY}, {@code :ldcZ}. Unspecified ones are dense for the layout. For {@link Layout#NP}, {@code ldb}
 * is the packed B's row count ({@link PackedPanel}), k by default.
 */
public final class GemmShapes {
    private GemmShapes() {}

    /** Every shape, in the order the benchmark reports them. */
    public static final List<String> ALL = List.of(
            // the tanh RNN at d2l's size (hidden 512, batch 32, 35 steps, vocab 28) and a square reference
            "32x512x512", "512x1120x512", "1120x512x28", "1024x1024x1024",
            // a half batch (one of two threads), the output layer's thin products, the half-batch weight gradients
            "16x512x512", "560x28x512", "560x512x28", "512x560x512", "512x560x28",
            // per step at the ends of the range: one row (generation), and hidden 1024
            "1x512x512", "32x1024x1024",
            // LSTM, hidden 256, per step: the forward product into the 4H gate panel, and its backward
            "16x256x1024", "16x1024x256",
            // GRU, hidden 256, per step: the z and r gates (2H columns) into the 3H-wide gate panel
            "16x256x512:ldc768",
            // a gate's weight gradient over all steps: one 256-column block of the 4H-wide gate gradients
            "256x560x256:ldb1024",
            // LSTM, hidden 512, per step: a 2-layer model's gate panels in generation with 32 samples, and in
            // training with a batch of 32 split into two chunks of 16
            "32x512x2048", "16x512x2048");

    /** A parsed spec for one layout, with its leading dimensions resolved. */
    public record Shape(Layout layout, int m, int k, int n, int lda, int ldb, int ldc) {
        /** Floats that A, B and C need at offset 0. */
        public int aSize() {
            return layout == Layout.TN ? (k - 1) * lda + m : (m - 1) * lda + k;
        }

        public int bSize() {
            if (layout == Layout.NP) return PackedPanel.floats(ldb, n);
            return layout == Layout.NT ? (n - 1) * ldb + k : (k - 1) * ldb + n;
        }

        public int cSize() {
            return (m - 1) * ldc + n;
        }

        public double flop() {
            return 2.0 * m * k * n;
        }
    }

    /** Parses {@code spec} for {@code layout}; a malformed spec or a too-small leading dimension fails here. */
    public static Shape parse(String spec, Layout layout) {
        String[] parts = spec.split(":");
        String[] d = parts[0].split("x");
        if (d.length != 3) throw new IllegalArgumentException("GEMM shape is MxKxN[:ldaX][:ldbY][:ldcZ]: " + spec);
        int m = Integer.parseInt(d[0]), k = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]);
        int lda = layout == Layout.TN ? m : k, ldb = layout == Layout.NT || layout == Layout.NP ? k : n, ldc = n;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int v = Integer.parseInt(p.substring(3));
            if (p.startsWith("lda") && v >= lda) lda = v;
            else if (p.startsWith("ldb") && v >= ldb) ldb = v;
            else if (p.startsWith("ldc") && v >= ldc) ldc = v;
            else throw new IllegalArgumentException("bad leading dimension '" + p + "' in GEMM shape " + spec + " for " + layout);
        }
        return new Shape(layout, m, k, n, lda, ldb, ldc);
    }
}
