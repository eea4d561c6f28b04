package dev.vecrnn.kernels;

/**
 * Which operands of a GEMM are read transposed, or packed. All matrices are flat arrays with an explicit
 * leading dimension, row-major but for {@link #NP}'s B; the layouts are the ones backpropagation through time
 * needs.
 */
public enum Layout {
    /** {@code C(m,n) = A(m,k) · B(k,n)}: the forward recurrence and the output layer. */
    NN,
    /** {@code C(m,n) = A(m,k) · B(n,k)ᵀ}: gradients flowing back through a weight matrix. */
    NT,
    /** {@code C(m,n) = A(k,m)ᵀ · B(k,n)}: weight gradients, summed over every row of a minibatch. */
    TN,
    /**
     * {@code C(m,n) = A(m,k) · B(k,n)} with B in {@link PackedPanel}'s layout (columns in panels of
     * {@link PackedPanel#WIDTH}): the per-step recurrent products, whose weights are packed once per minibatch
     * and then read as contiguous streams. Here {@code ldb} is the packed matrix's row count {@code K}, not a
     * row stride: column {@code j} of row {@code p} is at {@code bOff + }{@link PackedPanel#index
     * PackedPanel.index(K, p, j)}, so a block of columns from a multiple of {@code WIDTH} starts at
     * {@code bOff + j0·K} and a block of rows at {@code bOff + p0·WIDTH}.
     */
    NP
}
