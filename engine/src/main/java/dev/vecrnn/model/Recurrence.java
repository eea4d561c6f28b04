package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.RowTask;

/**
 * One layer's walk over the steps of a chunk as a task over the chunk's rows ({@link Kernels#forRows}). The
 * rows are independent sequences, so a team can walk them apart with no synchronisation per step: each thread
 * runs the products and the gate kernels of its own rows. The trainer keeps one per chunk and the cells fill it
 * before each walk, so a step allocates nothing.
 */
public final class Recurrence implements RowTask {
    private Cell cell;
    private boolean backward;
    private Slab params, packed, ws;
    private int[] x;
    private int xOff, rows, steps, dOff;
    private float[] d;

    RowTask forward(Cell cell, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps) {
        set(cell, false, params, packed, ws, rows, steps);
        this.x = x;
        this.xOff = xOff;
        return this;
    }

    RowTask backward(Cell cell, Slab params, Slab packed, Slab ws, int rows, int steps, float[] dOut, int dOutOff) {
        set(cell, true, params, packed, ws, rows, steps);
        this.d = dOut;
        this.dOff = dOutOff;
        return this;
    }

    private void set(Cell cell, boolean backward, Slab params, Slab packed, Slab ws, int rows, int steps) {
        this.cell = cell;
        this.backward = backward;
        this.params = params;
        this.packed = packed;
        this.ws = ws;
        this.rows = rows;
        this.steps = steps;
    }

    @Override
    public void run(Kernels k, int from, int to) {
        if (backward) cell.backwardRows(k, params, packed, ws, rows, steps, d, dOff, from, to);
        else cell.forwardRows(k, params, packed, ws, x, xOff, rows, steps, from, to);
    }
}
