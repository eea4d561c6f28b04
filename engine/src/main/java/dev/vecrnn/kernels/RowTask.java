package dev.vecrnn.kernels;

/** Work over a range of independent rows, which {@link Kernels#forRows} runs whole or split across threads. */
@FunctionalInterface
public interface RowTask {
    /** Rows {@code [from, to)}, computed with {@code k}. */
    void run(Kernels k, int from, int to);
}
