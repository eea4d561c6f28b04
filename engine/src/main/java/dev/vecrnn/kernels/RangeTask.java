package dev.vecrnn.kernels;

/**
 * Work over a range of independent items (a chunk's rows, a layer's gate blocks), which {@link Kernels#forRows}
 * and {@link Kernels#forBlocks} run whole or split across threads.
 */
@FunctionalInterface
public interface RangeTask {
    /** Items {@code [from, to)}, computed with {@code k}. */
    void run(Kernels k, int from, int to);
}
