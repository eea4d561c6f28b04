package dev.vecrnn.kernels;

/**
 * Which operands of a GEMM are read transposed. All matrices are row-major flat arrays with an explicit
 * leading dimension; the three layouts are the ones backpropagation through time needs.
 */
public enum Layout {
    /** {@code C(m,n) = A(m,k) · B(k,n)}: the forward recurrence and the output layer. */
    NN,
    /** {@code C(m,n) = A(m,k) · B(n,k)ᵀ}: gradients flowing back through a weight matrix. */
    NT,
    /** {@code C(m,n) = A(k,m)ᵀ · B(k,n)}: weight gradients, summed over every row of a minibatch. */
    TN
}
