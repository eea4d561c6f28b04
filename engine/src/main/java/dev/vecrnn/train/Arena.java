package dev.vecrnn.train;

import dev.vecrnn.model.CellStack;
import dev.vecrnn.model.OutputHead;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.ArrayList;
import java.util.List;

/**
 * Every buffer a training step needs, allocated once for a (cell, vocab, hidden, batch, steps, chunking)
 * in one float array and one int array. The minibatch's sequences are split into chunks whose bounds
 * depend on the batch size alone; each chunk owns its working buffers and a gradient slab mirroring the
 * parameters, so chunks run on any thread without sharing, and the reduction of their gradients in chunk
 * order gives the same bits for any thread count. A single chunk writes the summed gradients directly: its
 * reduction is then only the norm, not a copy (across cores in a team).
 *
 * <p>Layout, in order: {@code packed} (weights transposed once per minibatch), {@code grads} (the summed
 * gradients, mirroring the parameters), {@code optimizer} (the optimizer's state, e.g. Adam's moments;
 * empty for SGD), then per chunk its workspace and, from the second chunk on, its gradient partials (the first
 * chunk writes into {@code grads}, which the reduction then adds the others to). Dropout's masked copies, when a
 * trainer turns it on, go in a second array ({@link #enableDropout}).
 */
public final class Arena {
    /** Sequences per chunk: enough rows per GEMM to reuse each weight panel, and 2 chunks at d2l's batch. */
    public static final int CHUNK_ROWS = 16;

    final float[] data;
    final int[] tokens;      // per chunk: x (steps, rows) then y (steps, rows)
    final Slab packed;
    final Slab grads;
    final Slab optimizerState;
    final Slab[] ws;
    final Slab[] chunkGrads;
    final int[] rowStart;    // first sequence of each chunk
    final int[] rowCount;    // sequences in each chunk
    final int[] tokenOffset; // offset of each chunk's x in tokens; its y follows
    Slab[] dropped;          // per chunk, once dropout is on: the layers' outputs after their masks

    public Arena(RnnModel model, int batch, int steps) {
        this(model, batch, steps, List.of());
    }

    /** With room for an optimizer's state tensors ({@link dev.vecrnn.optim.Optimizer#state()}), zeroed. */
    public Arena(RnnModel model, int batch, int steps, List<TensorSpec> optimizerSpecs) {
        this(model.layers(), model.vocab().size(), model.hidden(), batch, steps, model.table(), optimizerSpecs);
    }

    Arena(CellStack cell, int vocab, int hidden, int batch, int steps, TensorTable params) {
        this(cell, vocab, hidden, batch, steps, params, List.of());
    }

    Arena(CellStack cell, int vocab, int hidden, int batch, int steps, TensorTable params, List<TensorSpec> optimizerSpecs) {
        if (batch <= 0 || steps <= 0) throw new IllegalArgumentException("batch and steps must be positive");
        int chunks = (batch + CHUNK_ROWS - 1) / CHUNK_ROWS;
        rowStart = new int[chunks];
        rowCount = new int[chunks];
        tokenOffset = new int[chunks];
        TensorTable packedTable = TensorTable.of(cell.packedBuffers(vocab, hidden), OutputHead.packedBuffers(vocab, hidden));
        TensorTable[] wsTables = new TensorTable[chunks];
        List<TensorSpec> top = new ArrayList<>();
        top.add(new TensorSpec("packed", packedTable.size()));
        top.add(new TensorSpec("grads", params.size()));
        TensorTable optimizerTable = new TensorTable(optimizerSpecs);
        top.add(new TensorSpec("optimizer", optimizerTable.size()));
        for (int c = 0; c < chunks; c++) {
            rowStart[c] = c * CHUNK_ROWS;
            rowCount[c] = Math.min(CHUNK_ROWS, batch - rowStart[c]);
            tokenOffset[c] = 2 * steps * rowStart[c];
            wsTables[c] = workspaceTable(cell, vocab, hidden, rowCount[c], steps);
            top.add(new TensorSpec("chunk" + c + ".ws", wsTables[c].size()));
            if (c > 0) top.add(new TensorSpec("chunk" + c + ".grads", params.size()));
        }
        TensorTable sections = new TensorTable(top);
        data = new float[sections.size()];
        tokens = new int[2 * steps * batch];
        packed = new Slab(data, packedTable, sections.offset("packed"));
        grads = new Slab(data, params, sections.offset("grads"));
        optimizerState = new Slab(data, optimizerTable, sections.offset("optimizer"));
        ws = new Slab[chunks];
        chunkGrads = new Slab[chunks];
        for (int c = 0; c < chunks; c++) {
            ws[c] = new Slab(data, wsTables[c], sections.offset("chunk" + c + ".ws"));
            chunkGrads[c] = c == 0 ? grads : new Slab(data, params, sections.offset("chunk" + c + ".grads"));
        }
    }

    /**
     * Allocates, once, each chunk's buffers for dropout's masked copies of the layers' outputs
     * ({@link CellStack#dropoutBuffers}), in an array of their own: training without dropout keeps the arena
     * it always had, and a trainer can turn dropout on after its optimizer state was restored into the arena.
     */
    void enableDropout(CellStack cell, int hidden, int steps) {
        if (dropped != null) return;
        TensorTable[] tables = new TensorTable[chunks()];
        int total = 0;
        for (int c = 0; c < chunks(); c++) {
            tables[c] = new TensorTable(cell.dropoutBuffers(rowCount[c], steps, hidden));
            total = Math.addExact(total, tables[c].size());
        }
        float[] data = new float[total];
        Slab[] out = new Slab[chunks()];
        for (int c = 0, off = 0; c < chunks(); off += tables[c].size(), c++) out[c] = new Slab(data, tables[c], off);
        dropped = out;
    }

    /**
     * The floats a model and its arena hold together, without allocating: the parameters, then the arena's
     * packed weights, summed gradients and, per chunk, workspace and (after the first) gradient partials (SGD keeps no other
     * state). Counted in {@code long}, so that sizes past the 2³¹ array limit can be refused before trying.
     */
    public static Footprint footprint(CellStack cell, int vocab, int hidden, int batch, int steps) {
        return footprint(cell, vocab, hidden, batch, steps, 0, false);
    }

    /** With the buffers {@link #enableDropout} adds when {@code dropout} (counted with the arena's floats). */
    public static Footprint footprint(CellStack cell, int vocab, int hidden, int batch, int steps, boolean dropout) {
        return footprint(cell, vocab, hidden, batch, steps, 0, dropout);
    }

    /**
     * With an optimizer whose state is {@code stateCopies} tensors per parameter (Adam's two moments: 2,
     * RMSprop: 1, SGD: 0), held in the arena after the summed gradients, and dropout's buffers when {@code dropout}.
     */
    public static Footprint footprint(CellStack cell, int vocab, int hidden, int batch, int steps, int stateCopies,
                                      boolean dropout) {
        if (stateCopies < 0) throw new IllegalArgumentException("state copies must not be negative, not " + stateCopies);
        long params = sum(floats(cell.parameters(vocab, hidden)), floats(OutputHead.parameters(vocab, hidden)));
        long arena = sum(sum(floats(cell.packedBuffers(vocab, hidden)), floats(OutputHead.packedBuffers(vocab, hidden))), params);
        arena = sum(arena, product(params, stateCopies));
        for (int start = 0; start < batch; start += CHUNK_ROWS) {
            int rows = Math.min(CHUNK_ROWS, batch - start);
            // the first chunk writes the summed gradients: no partials of its own
            arena = sum(arena, sum(floats(workspace(cell, vocab, hidden, rows, steps)), start > 0 ? params : 0));
            if (dropout) arena = sum(arena, floats(cell.dropoutBuffers(rows, steps, hidden)));
        }
        return new Footprint(params, arena, 2L * steps * batch, (long) batch * cell.stateSize(hidden));
    }

    /**
     * Floats in the parameters and in the arena's one array, ints in its token array, and floats of carried state:
     * what {@link RnnModel}, {@code Arena} and {@link Trainer} allocate for one configuration.
     */
    public record Footprint(long paramFloats, long arenaFloats, long tokenInts, long stateFloats) {
        /** Bytes in all, without the JVM's few bytes of array headers ({@link Long#MAX_VALUE} past it). */
        public long bytes() { return product(4, sum(sum(paramFloats, arenaFloats), sum(tokenInts, stateFloats))); }
    }

    private static long floats(List<TensorSpec> specs) {
        long n = 0;
        for (TensorSpec s : specs) {
            long size = 1;
            for (int d : s.shape()) size = product(size, d);
            n = sum(n, size);
        }
        return n;
    }

    // Saturating: absurd command lines (a huge word vocabulary times 65536 steps) must not wrap around to small.
    private static long sum(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static long product(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    /** A chunk's working buffers: the cell's, then the output layer's. */
    static TensorTable workspaceTable(CellStack cell, int vocab, int hidden, int rows, int steps) {
        return new TensorTable(workspace(cell, vocab, hidden, rows, steps));
    }

    private static List<TensorSpec> workspace(CellStack cell, int vocab, int hidden, int rows, int steps) {
        List<TensorSpec> all = new ArrayList<>(cell.chunkBuffers(rows, steps, hidden));
        all.addAll(List.of(
                new TensorSpec("logits", steps * rows, vocab),   // (steps·rows, vocab), row t·rows + i
                new TensorSpec("dlogits", steps * rows, vocab),  // (steps·rows, vocab)
                new TensorSpec("dout", steps, rows, hidden)));   // (steps, rows, hidden): dL/dH from the output layer
        return all;
    }

    public int chunks() { return ws.length; }
}
