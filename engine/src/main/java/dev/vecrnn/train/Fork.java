package dev.vecrnn.train;

import java.util.function.IntConsumer;

/**
 * Runs {@code body(0 … n−1)} on several threads, the caller among them, and returns when all are done: the
 * contract {@link Parallel} (a pool, for coarse work) and {@link StepTeam} (spinning threads, for the parts of
 * one time step) share, so {@link ColumnSplitKernels} runs on either.
 */
public interface Fork extends AutoCloseable {
    /** Threads that take part, the caller included. */
    int threads();

    /** Allocates nothing when {@code body} is an object made once (not a capturing lambda made per call). */
    void run(int n, IntConsumer body);

    @Override
    void close();
}
