package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import java.util.List;

/** d2l's output layer {@code Y = H·W_hq + b_q}, shared by every cell type. */
public final class OutputHead {
    private OutputHead() {}

    public static List<TensorSpec> parameters(int vocab, int hidden) {
        return List.of(new TensorSpec("W_hq", hidden, vocab), new TensorSpec("b_q", vocab));
    }

    public static List<TensorSpec> packedBuffers(int vocab, int hidden) {
        return List.of(new TensorSpec("W_hq_T", vocab, hidden)); // W_hqᵀ, so dY·W_hqᵀ runs as NN
    }

    /** The gradients {@link #backward} writes whole rather than adds to: {@code W_hq}. */
    public static List<String> gradientsSetWhole() {
        return List.of("W_hq");
    }

    public static void pack(Kernels k, Slab params, Slab packed, int part, int parts) {
        TensorSpec s = params.table().spec("W_hq");
        int rows = s.dim(0);
        Transpose.rows(k, params.data(), params.off("W_hq"), rows, s.dim(1), packed.data(), packed.off("W_hq_T"),
                rows, part * rows / parts, (part + 1) * rows / parts);
    }

    /** {@code logits (n, vocab) = h (n, hidden) · W_hq + b_q}. */
    public static void forward(Kernels k, Slab params, float[] h, int hOff, int n, float[] logits, int lOff) {
        TensorSpec s = params.table().spec("W_hq");
        int hidden = s.dim(0), vocab = s.dim(1);
        float[] p = params.data();
        k.gemm(Layout.NN, n, vocab, hidden, h, hOff, hidden, p, params.off("W_hq"), vocab, logits, lOff, vocab, false);
        int bq = params.off("b_q");
        for (int r = 0; r < n; r++) k.add(p, bq, logits, lOff + r * vocab, vocab);
    }

    /**
     * Writes {@code dW_hq} and adds {@code db_q} into {@code grads} (zeroed by the caller), and writes
     * {@code dH (n, hidden) = dLogits · W_hqᵀ}.
     */
    public static void backward(Kernels k, Slab packed, Slab grads, float[] h, int hOff, int n,
                                float[] dLogits, int dOff, float[] dH, int dHOff) {
        TensorSpec s = grads.table().spec("W_hq");
        int hidden = s.dim(0), vocab = s.dim(1);
        float[] g = grads.data();
        k.gemm(Layout.TN, hidden, vocab, n, h, hOff, hidden, dLogits, dOff, vocab, g, grads.off("W_hq"), vocab, false);
        k.columnSums(dLogits, dOff, n, vocab, vocab, g, grads.off("b_q"));
        k.gemm(Layout.NN, n, hidden, vocab, dLogits, dOff, vocab, packed.data(), packed.off("W_hq_T"), hidden,
                dH, dHOff, hidden, false);
    }
}
