package dev.vecrnn.train;

/**
 * Wall time a trainer's steps spent in each phase, summed since it was made or last {@link #reset}: the phases
 * around the chunks (packing the weights, the chunks, the reduction of their gradients, the update) and, inside
 * the first chunk, its forward walk, its output layer and loss, the output layer's backward and the backward
 * walk with the weight gradients. Two {@code System.nanoTime} calls per phase and nothing allocated, so a
 * trainer always keeps them; {@code PhaseProbe} in the benchmarks prints them.
 */
public final class StepPhases {
    /** The phases, in the order a step runs them. */
    public enum Phase { PACK, CHUNKS, REDUCE, UPDATE, FORWARD, HEAD_FORWARD, HEAD_BACKWARD, BACKWARD }

    private static final int COUNT = Phase.values().length;
    private final long[] nanos = new long[COUNT];
    private long steps;

    void add(Phase p, long ns) {
        nanos[p.ordinal()] += ns;
    }

    void step() {
        steps++;
    }

    /** Nanoseconds spent in {@code p} so far; the chunk's phases count the first chunk only. */
    public long nanos(Phase p) {
        return nanos[p.ordinal()];
    }

    /** Updates taken since the last reset. */
    public long steps() {
        return steps;
    }

    public void reset() {
        java.util.Arrays.fill(nanos, 0);
        steps = 0;
    }
}
