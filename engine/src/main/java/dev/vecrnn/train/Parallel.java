package dev.vecrnn.train;

import java.util.function.IntConsumer;

/**
 * The engine's allocation-free parallel loop for code outside training (generation splits a GEMV's columns
 * with it): {@code run(n, body)} calls {@code body(0 … n−1)} on the calling thread and {@code threads − 1}
 * workers and returns when all are done. Which thread runs which index varies; give each index its own output.
 */
public final class Parallel implements Fork {
    private final ParallelFor loop;
    private final int threads;

    public Parallel(int threads) {
        this.loop = new ParallelFor(threads);
        this.threads = threads;
    }

    @Override
    public int threads() { return threads; }

    /** Allocates nothing when {@code body} is an object made once (not a capturing lambda made per call). */
    @Override
    public void run(int count, IntConsumer body) {
        loop.run(count, body);
    }

    /** The worker threads alive now (for tests that check what they allocate). */
    public java.util.List<Thread> workers() {
        return loop.workers();
    }

    @Override
    public void close() {
        loop.close();
    }
}
