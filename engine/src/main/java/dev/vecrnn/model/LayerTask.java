package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.RangeTask;

/**
 * One layer's work on a chunk as a task over ranges ({@link Kernels#forRows}, {@link Kernels#forBlocks}), which a
 * team may split: the walk over the steps forward or back, by rows (the rows are independent sequences, so each
 * thread runs the products and gate kernels of its own rows with no synchronisation per step), or the weight
 * gradients, by gate blocks (each block's products and sums whole on one thread). The trainer keeps one per
 * chunk and the cells fill it before each call, so a step allocates nothing.
 */
public final class LayerTask implements RangeTask {
    private enum Mode { FORWARD, BACKWARD, GRADIENTS }

    private Cell cell;
    private Mode mode;
    private Slab params, packed, ws, grads;
    private int[] x;
    private int xOff, rows, steps, dOff, inOff, recurrentBlocks;
    private float[] d, in;
    /** Per gate block, its column sums ({@link Cell#columnGradients}): blocks split across threads use their own. */
    private final Columns[] columns = {new Columns(), new Columns(), new Columns(), new Columns()};
    private boolean deferLayer0;
    private int deferredBlocks;

    /**
     * With {@code on}, layer 0's gradient blocks, the last work of a chunk's backward, are not run when the cell
     * hands them over but left for {@link #runDeferred}, so that threads done with their own chunk can share them.
     * Clears what the last step left.
     */
    public void deferLayer0Gradients(boolean on) {
        deferLayer0 = on;
        deferredBlocks = 0;
    }

    /** How many gradient blocks the last backward left for {@link #runDeferred} (0: none). */
    public int deferredBlocks() { return deferredBlocks; }

    /**
     * Runs deferred gradient block {@code block} with {@code k}; blocks write disjoint gradients, so different
     * threads may run different blocks at once.
     */
    public void runDeferred(Kernels k, int block) {
        if (block < 0 || block >= deferredBlocks) throw new IndexOutOfBoundsException("block " + block + " of " + deferredBlocks);
        cell.blockGradients(k, this, ws, grads, x, xOff, in, inOff, rows, steps, d, dOff, recurrentBlocks, block, block + 1);
    }

    RangeTask forward(Cell cell, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps) {
        set(cell, Mode.FORWARD, params, packed, ws, rows, steps);
        this.x = x;
        this.xOff = xOff;
        return this;
    }

    RangeTask backward(Cell cell, Slab params, Slab packed, Slab ws, int rows, int steps, float[] dOut, int dOutOff) {
        set(cell, Mode.BACKWARD, params, packed, ws, rows, steps);
        this.d = dOut;
        this.dOff = dOutOff;
        return this;
    }

    RangeTask gradients(Cell cell, Slab packed, Slab ws, Slab grads, int[] x, int xOff, float[] in, int inOff, int rows,
                        int steps, float[] dA, int dAOff, int recurrentBlocks) {
        set(cell, Mode.GRADIENTS, null, packed, ws, rows, steps);
        this.grads = grads;
        this.x = x;
        this.xOff = xOff;
        this.in = in;
        this.inOff = inOff;
        this.d = dA;
        this.dOff = dAOff;
        this.recurrentBlocks = recurrentBlocks;
        return this;
    }

    /** Block {@code g}'s bias and layer-0 input-weight gradients over ranges of columns. */
    RangeTask columns(Cell cell, Slab grads, int[] x, int xOff, int n, float[] dA, int dg, int g) {
        if (g >= columns.length) throw new IllegalArgumentException("at most " + columns.length + " gate blocks, not " + (g + 1));
        Columns c = columns[g];
        c.cell = cell;
        c.grads = grads;
        c.x = x;
        c.xOff = xOff;
        c.n = n;
        c.dA = dA;
        c.dg = dg;
        c.g = g;
        return c;
    }

    private static final class Columns implements RangeTask {
        Cell cell;
        Slab grads;
        int[] x;
        float[] dA;
        int xOff, n, dg, g;

        @Override
        public void run(Kernels k, int from, int to) {
            cell.columnGradients(k, grads, x, xOff, n, dA, dg, g, from, to);
        }
    }

    private void set(Cell cell, Mode mode, Slab params, Slab packed, Slab ws, int rows, int steps) {
        this.cell = cell;
        this.mode = mode;
        this.params = params;
        this.packed = packed;
        this.ws = ws;
        this.rows = rows;
        this.steps = steps;
    }

    @Override
    public void run(Kernels k, int from, int to) {
        switch (mode) {
            case FORWARD -> cell.forwardRows(k, params, packed, ws, x, xOff, rows, steps, from, to);
            case BACKWARD -> cell.backwardRows(k, params, packed, ws, rows, steps, d, dOff, from, to);
            case GRADIENTS -> {
                if (deferLayer0 && cell.layer() == 0) {
                    if (from != 0) throw new IllegalStateException("deferred blocks come whole, not from " + from);
                    deferredBlocks = to;
                } else {
                    cell.blockGradients(k, this, ws, grads, x, xOff, in, inOff, rows, steps, d, dOff, recurrentBlocks, from, to);
                }
            }
        }
    }
}
