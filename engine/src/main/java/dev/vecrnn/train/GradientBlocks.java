package dev.vecrnn.train;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.LayerTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Layer 0's weight-gradient blocks (one gate block's products and sums each, the last quarter of a chunk's
 * work), shared by the threads of a step that runs several chunks. On a shared host two chunks of equal work
 * end hundreds of µs apart (d2l's LSTM, batch 32: half a millisecond on average), and the step waits for the
 * later one. Here a thread done with its own chunk takes blocks of a chunk still running, from the last block
 * down while the owner works up from the first, so the two finish about together.
 *
 * <p>Which thread runs a block does not change its bits: each block writes only its own chunk's gradient
 * tensors, with the same products and sums wherever it runs. Allocates nothing.
 */
final class GradientBlocks {
    private static final int WAITING = 0, WALKING = 1, PUBLISHED = 2;
    private static final int SPINS_BEFORE_YIELD = 1 << 12;

    private final LayerTask[] frames;
    private final Kernels[] kernels;
    private final int chunks;
    private final int[] blocks;                   // per chunk: how many it left, written before it publishes
    private final AtomicIntegerArray claimed;     // per chunk: the mask of blocks taken
    private final AtomicIntegerArray state;       // per chunk: WAITING, WALKING or PUBLISHED
    private final AtomicInteger started = new AtomicInteger();

    GradientBlocks(LayerTask[] frames, Kernels[] kernels) {
        this.frames = frames;
        this.kernels = kernels;
        this.chunks = frames.length;
        this.blocks = new int[chunks];
        this.claimed = new AtomicIntegerArray(chunks);
        this.state = new AtomicIntegerArray(chunks);
    }

    /** Before a step's chunks start, on the caller. */
    void reset() {
        for (int c = 0; c < chunks; c++) {
            claimed.set(c, 0);
            state.set(c, WAITING);
        }
        started.set(0);
    }

    /** Chunk {@code c} starts: its layer 0 will leave its gradient blocks to {@link #finish}. */
    void begin(int c) {
        frames[c].deferLayer0Gradients(true);
        state.set(c, WALKING);
        started.incrementAndGet();
    }

    /**
     * Chunk {@code c}'s backward is done: publishes its blocks, runs them from the first up with whoever joins
     * in, then takes blocks of chunks still running.
     */
    void finish(int c) {
        blocks[c] = frames[c].deferredBlocks();
        state.set(c, PUBLISHED);
        take(c, true);
        help(c);
    }

    /** Chunk {@code c} failed: nobody may wait for its blocks or run them. */
    void abandon(int c) {
        claimed.set(c, -1);
        state.set(c, PUBLISHED);
    }

    /**
     * Takes the other chunks' published blocks; while every chunk has started and some are still walking,
     * waits for them to publish (this thread would wait for them at the join anyway). A chunk not yet started
     * is left to the pool, which gives it to this thread or another.
     */
    private void help(int self) {
        for (int spins = 0; ; spins++) {
            boolean walking = false;
            for (int d = 0; d < chunks; d++) {
                if (d == self) continue;
                int s = state.get(d);
                if (s == PUBLISHED) take(d, false);
                else if (s == WALKING) walking = true;
            }
            if (!walking || started.get() < chunks) return;
            if (spins < SPINS_BEFORE_YIELD) Thread.onSpinWait();
            else Thread.yield(); // more threads than cores: let the chunk we wait for run
        }
    }

    /** Runs chunk {@code c}'s unclaimed blocks: the owner from the first, helpers from the last. */
    private void take(int c, boolean owner) {
        int all = (1 << blocks[c]) - 1;
        while (true) {
            int taken = claimed.get(c), free = ~taken & all;
            if (free == 0) return;
            int b = owner ? Integer.numberOfTrailingZeros(free) : 31 - Integer.numberOfLeadingZeros(free);
            if (claimed.compareAndSet(c, taken, taken | 1 << b)) frames[c].runDeferred(kernels[c], b);
        }
    }
}
