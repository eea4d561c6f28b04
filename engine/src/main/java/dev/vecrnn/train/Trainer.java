package dev.vecrnn.train;

import dev.vecrnn.data.Minibatch;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.CellStack;
import dev.vecrnn.model.Dropout;
import dev.vecrnn.model.OutputHead;
import dev.vecrnn.model.LayerTask;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.Sgd;
import dev.vecrnn.train.StepPhases.Phase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * One training step on one minibatch: forward over all steps, mean cross-entropy, full BPTT, global L2
 * clipping and an {@link Optimizer}'s update (SGD unless told otherwise, as d2l's {@code train_epoch_ch8}).
 *
 * <p>Chunks of sequences run in parallel on the caller and a ForkJoinPool of this trainer's own (the
 * common pool has parallelism 1 on 2 cores); each runs its whole forward and backward with no
 * synchronisation per time step. Gradients meet once, summed in chunk order, so any thread count gives
 * the same bits. A thread done with its chunk takes layer 0's weight-gradient blocks of a chunk still running
 * ({@link GradientBlocks}), so uneven chunks (a shared host's noise) do not hold the step back. With more
 * threads than chunks, each chunk also gets a {@link StepTeam} that splits its products by columns
 * ({@link ColumnSplitKernels}), every element summed as the unsplit product sums it, so the bits stay the same
 * there too. All buffers live in the {@link Arena}; a step allocates nothing.
 */
public final class Trainer implements AutoCloseable {
    private final RnnModel model;
    private final Kernels k;
    private final Arena arena;
    private final int batch, steps, vocab, hidden;
    private final float clip;
    private final Optimizer optimizer;
    private float lr;
    private long optimizerSteps;
    private final float[] state;         // (batch, stateSize): carried across minibatches when sequential
    private final double[] chunkLoss;
    private final ParallelFor parallel;
    private final StepTeam[] teams;       // per chunk, when there are more threads than chunks; else empty
    private final Kernels[] chunkKernels; // per chunk: k, or k with its products split across the chunk's team
    private final LayerTask[] frames;    // per chunk: a layer's walk over the steps, which a team splits by rows
    private final GradientBlocks shared;  // several chunks on several threads, no teams: layer 0's gradient blocks; else null
    private final IntConsumer chunkBody = this::runChunk;
    private final IntConsumer reduceBody = this::reduceSplit;
    private final IntConsumer packBody = this::packPart;
    private final IntConsumer updateBody = this::updateSplit;
    private final double[] splitSquares = new double[REDUCE_SPLITS];
    /** {@code [from, to)} pairs of the gradients a step adds to, offsets in the parameter table: zeroed before it. */
    private final int[] zeroRanges;
    private final StepPhases timings = new StepPhases();
    private float clipScale;
    private double lastGradNorm;
    private Dropout dropout;             // null: none

    private static final int REDUCE_SPLITS = 8;
    private static final int PACK_PARTS = 8;

    public Trainer(RnnModel model, Kernels kernels, int batch, int steps, float lr, float clip, int threads) {
        this(model, kernels, batch, steps, lr, clip, threads, new Sgd(model.table()));
    }

    /** A trainer updating with {@code optimizer}, which must have been built for the model's parameters. */
    public Trainer(RnnModel model, Kernels kernels, int batch, int steps, float lr, float clip, int threads,
                   Optimizer optimizer) {
        this(model, kernels, batch, steps, lr, clip, threads, optimizer, ColumnSplitKernels.MIN_WORK);
    }

    /** {@code minSplitWork}: multiply-adds from which a chunk's product is split across its team (tests use 0). */
    Trainer(RnnModel model, Kernels kernels, int batch, int steps, float lr, float clip, int threads,
            Optimizer optimizer, long minSplitWork) {
        if (!optimizer.params().specs().equals(model.table().specs())) {
            throw new IllegalArgumentException("the optimizer was built for parameters " + optimizer.params().specs()
                    + ", the model has " + model.table().specs());
        }
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive, not " + threads);
        this.model = model;
        this.k = kernels;
        this.batch = batch;
        this.steps = steps;
        this.vocab = model.vocab().size();
        this.hidden = model.hidden();
        this.lr = lr;
        this.clip = clip;
        this.optimizer = optimizer;
        this.arena = new Arena(model, batch, steps, optimizer.state());
        this.state = new float[batch * model.layers().stateSize(hidden)];
        this.zeroRanges = addedGradients(model);
        this.chunkLoss = new double[arena.chunks()];
        this.parallel = new ParallelFor(threads);
        int chunks = arena.chunks();
        this.chunkKernels = new Kernels[chunks];
        this.frames = new LayerTask[chunks];
        this.teams = new StepTeam[threads > chunks ? chunks : 0];
        for (int c = 0; c < chunks; c++) {
            int size = teams.length == 0 ? 1 : threads / chunks + (c < threads % chunks ? 1 : 0);
            if (size > 1) teams[c] = new StepTeam(size, "vecrnn-step-c" + c);
            chunkKernels[c] = size > 1 ? new ColumnSplitKernels(k, teams[c], minSplitWork) : k;
            frames[c] = new LayerTask();
        }
        this.shared = teams.length == 0 && threads > 1 && chunks > 1 ? new GradientBlocks(frames, chunkKernels) : null;
    }

    public Arena arena() { return arena; }

    /** Where this trainer's steps spent their time, phase by phase. */
    public StepPhases timings() { return timings; }

    /** The worker threads started so far, the pool's and the chunks' teams' (for allocation accounting). */
    public List<Thread> workerThreads() {
        List<Thread> out = new java.util.ArrayList<>(parallel.workers());
        for (StepTeam t : teams) if (t != null) out.addAll(t.workers());
        return out;
    }

    /** The hidden state carried between minibatches, {@code (batch, stateSize)}. */
    public float[] state() { return state; }

    /**
     * Layer {@code layer}'s state as {@code (batch, hidden)}: {@code part} 0 is H, 1 the LSTM's memory C. A copy,
     * gathered from the chunks' state regions (for tests and inspection; it allocates).
     */
    public float[] state(int layer, int part) {
        CellStack cells = model.layers();
        int per = cells.stateSize(hidden);
        float[] out = new float[batch * hidden];
        for (int c = 0; c < arena.chunks(); c++) {
            int rows = arena.rowCount[c];
            int from = arena.rowStart[c] * per + cells.stateOffset(layer, rows, hidden) + part * rows * hidden;
            System.arraycopy(state, from, out, arena.rowStart[c] * hidden, rows * hidden);
        }
        return out;
    }

    public void resetState() { java.util.Arrays.fill(state, 0f); }

    public Optimizer optimizer() { return optimizer; }

    /** The optimizer's state tensors as {@link Optimizer#state()} names them (what a checkpoint saves). */
    public Slab optimizerState() { return arena.optimizerState; }

    /** Updates taken so far; the next one is number {@code optimizerSteps() + 1} (Adam's bias corrections). */
    public long optimizerSteps() { return optimizerSteps; }

    /** Restores the update count, with {@link #optimizerState()}, when resuming from a checkpoint. */
    public void setOptimizerSteps(long steps) {
        if (steps < 0) throw new IllegalArgumentException("optimizer steps must not be negative, not " + steps);
        optimizerSteps = steps;
    }

    /**
     * Dropout with probability {@code p} (0 turns it off) in the following training steps, its masks drawn from
     * {@code seed} and the step number {@link #optimizerSteps()}, so a resumed run restores them with the count.
     * Evaluation and prediction never apply it. The first {@code p > 0} allocates the masked copies' buffers.
     */
    public void setDropout(float p, long seed) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout must be at least 0 and below 1, not " + p);
        if (p > 0) arena.enableDropout(model.layers(), hidden, steps);
        dropout = p > 0 ? new Dropout(p, seed) : null;
    }

    /** The dropout of the following steps, or null for none. */
    public Dropout dropout() { return dropout; }

    public float lr() { return lr; }

    /** The learning rate of the following updates; a schedule sets it before every step. */
    public void setLr(float lr) {
        if (!(lr >= 0) || Float.isInfinite(lr)) throw new IllegalArgumentException("lr must be a finite number ≥ 0, not " + lr);
        this.lr = lr;
    }

    /** The global gradient norm of the last step, before clipping. */
    public double lastGradNorm() { return lastGradNorm; }

    /** Runs one step and returns the mean cross-entropy of the minibatch before the update. */
    public double step(Minibatch mb) {
        double loss = forwardBackward(mb);
        update();
        return loss;
    }

    /** Forward and backward only: leaves the summed gradients in {@link #gradients()}. */
    public double forwardBackward(Minibatch mb) {
        if (mb.batch() != batch || mb.steps() != steps) {
            throw new IllegalArgumentException("minibatch is " + mb.batch() + "x" + mb.steps() + ", trainer expects " + batch + "x" + steps);
        }
        loadTokens(mb);
        Fork f = phases();
        long t0 = System.nanoTime();
        f.run(PACK_PARTS, packBody);
        long t1 = System.nanoTime();
        if (shared != null) shared.reset();
        parallel.run(arena.chunks(), chunkBody);
        long t2 = System.nanoTime();
        f.run(REDUCE_SPLITS, reduceBody);
        timings.add(Phase.PACK, t1 - t0);
        timings.add(Phase.CHUNKS, t2 - t1);
        timings.add(Phase.REDUCE, System.nanoTime() - t2);
        double sum = 0;
        for (double l : chunkLoss) sum += l;
        return sum / ((double) batch * steps);
    }

    /** The summed gradients of the last {@link #forwardBackward}, mirroring the parameters. */
    public Slab gradients() { return arena.grads; }

    /** Clips the gradients to global norm {@code clip} and takes the optimizer's step. */
    public void update() {
        double sum = 0;
        for (double s : splitSquares) sum += s; // in split order: the same bits for any thread count
        double norm = Math.sqrt(sum);
        lastGradNorm = norm;
        clipScale = norm > clip ? (float) (clip / norm) : 1f;
        optimizerSteps++;
        long t0 = System.nanoTime();
        phases().run(REDUCE_SPLITS, updateBody);
        timings.add(Phase.UPDATE, System.nanoTime() - t0);
        timings.step();
    }

    /**
     * Where the work around the chunks runs: on the pool, or, when one chunk's team holds every thread, on that
     * team, whose members would otherwise still be spinning for the next step while the pool's worker waits
     * for a core (2 cores, 3 runnable threads).
     */
    private Fork phases() {
        return teams.length == 1 ? teams[0] : parallel;
    }

    private void updateSplit(int split) {
        optimizer.step(k, model.params(), arena.grads, arena.optimizerState, splitStart(split), splitStart(split + 1),
                lr, clipScale, optimizerSteps);
    }

    private int splitStart(int split) {
        return (int) ((long) split * model.table().size() / REDUCE_SPLITS);
    }

    /** Copies the last forward's logits into {@code out (steps·batch, vocab)} in d2l's step-major order. */
    public void logits(float[] out) {
        for (int c = 0; c < arena.chunks(); c++) {
            Slab ws = arena.ws[c];
            int rows = arena.rowCount[c];
            for (int t = 0; t < steps; t++) {
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(ws.data(), ws.off("logits") + (t * rows + i) * vocab, out,
                            (t * batch + arena.rowStart[c] + i) * vocab, vocab);
                }
            }
        }
    }

    private void loadTokens(Minibatch mb) {
        int[] x = mb.x(), y = mb.y();
        int[] tok = arena.tokens;
        for (int c = 0; c < arena.chunks(); c++) {
            int rows = arena.rowCount[c], r0 = arena.rowStart[c], off = arena.tokenOffset[c];
            for (int t = 0; t < steps; t++) {
                for (int i = 0; i < rows; i++) {
                    tok[off + t * rows + i] = x[(r0 + i) * steps + t];
                    tok[off + steps * rows + t * rows + i] = y[(r0 + i) * steps + t];
                }
            }
        }
    }

    private void runChunk(int c) {
        if (shared == null) {
            walkChunk(c);
            return;
        }
        shared.begin(c);
        try {
            walkChunk(c);
        } catch (Throwable t) {
            shared.abandon(c);
            throw t;
        }
        long t = System.nanoTime();
        shared.finish(c);
        if (c == 0) timings.add(Phase.BACKWARD, System.nanoTime() - t); // its blocks, and others' it took
    }

    /** Chunk {@code c}'s forward and backward (with {@link #shared}, all but layer 0's gradient blocks). */
    private void walkChunk(int c) {
        if (teams.length == 0) zeroAdded(arena.chunkGrads[c], 0, 1);
        Kernels k = chunkKernels[c];
        CellStack cells = model.layers();
        Slab ws = arena.ws[c], g = arena.chunkGrads[c], p = model.params(), packed = arena.packed;
        float[] w = ws.data();
        int rows = arena.rowCount[c], n = rows * steps;
        int xOff = arena.tokenOffset[c], yOff = xOff + n;
        Dropout drop = dropout;
        Slab dropped = drop == null ? null : arena.dropped[c];
        int r0 = arena.rowStart[c];
        long t0 = System.nanoTime();
        cells.forward(k, p, packed, ws, arena.tokens, xOff, rows, steps, state, r0 * cells.stateSize(hidden),
                drop, dropped, optimizerSteps, r0, frames[c]);
        long t1 = System.nanoTime();
        float[] h = cells.outputArray(ws, dropped);
        int out = cells.outputs(ws, dropped);
        OutputHead.forward(k, p, h, out, n, w, ws.off("logits"));
        chunkLoss[c] = k.softmaxCrossEntropy(w, ws.off("logits"), n, vocab, arena.tokens, yOff,
                (float) (1.0 / ((double) batch * steps)), w, ws.off("dlogits"));
        long t2 = System.nanoTime();
        OutputHead.backward(k, packed, g, h, out, n, w, ws.off("dlogits"), w, ws.off("dout"));
        long t3 = System.nanoTime();
        cells.backward(k, p, packed, ws, g, arena.tokens, xOff, rows, steps, w, ws.off("dout"), drop, dropped, optimizerSteps, r0,
                frames[c]);
        if (c == 0) {
            timings.add(Phase.FORWARD, t1 - t0);
            timings.add(Phase.HEAD_FORWARD, t2 - t1);
            timings.add(Phase.HEAD_BACKWARD, t3 - t2);
            timings.add(Phase.BACKWARD, System.nanoTime() - t3);
        }
    }

    /**
     * Packs part of the weights and, with teams, zeroes part of every chunk's added-to gradients: in this phase,
     * which runs on every thread, rather than on the chunk's own thread while its team waits. Without teams each
     * chunk zeroes its own as it starts ({@link #walkChunk}), on the core that then adds to them: zeroed here, half
     * of each chunk's lines crossed to the other core and back (GRU 256, batch 32: 1.6–2.1% per step).
     */
    private void packPart(int part) {
        model.layers().pack(k, model.params(), arena.packed, part, PACK_PARTS);
        OutputHead.pack(k, model.params(), arena.packed, part, PACK_PARTS);
        if (teams.length > 0) for (Slab g : arena.chunkGrads) zeroAdded(g, part, PACK_PARTS);
    }

    /** Zeroes part {@code part} of {@code parts} of each range of {@code g} that a step adds to. */
    private void zeroAdded(Slab g, int part, int parts) {
        for (int r = 0; r < zeroRanges.length; r += 2) {
            int size = zeroRanges[r + 1] - zeroRanges[r], at = g.base() + zeroRanges[r];
            java.util.Arrays.fill(g.data(), at + (int) ((long) part * size / parts), at + (int) ((long) (part + 1) * size / parts), 0f);
        }
    }

    /**
     * The gradients a step adds to (biases, layer 0's gathered {@code W_x*}), as merged ranges of the parameter
     * table; the big weights' products set theirs whole, so zeroing them first (1 MB for d2l's RNN, across cores
     * in a team) would be wasted.
     */
    private static int[] addedGradients(RnnModel model) {
        Set<String> set = new HashSet<>(model.layers().gradientsSetWhole());
        set.addAll(OutputHead.gradientsSetWhole());
        TensorTable t = model.table();
        List<Integer> ranges = new ArrayList<>();
        for (TensorSpec s : t.specs()) {
            if (set.contains(s.name())) continue;
            int from = t.offset(s.name()), to = from + s.size();
            int last = ranges.size() - 1;
            if (last >= 0 && ranges.get(last) == from) ranges.set(last, to);
            else { ranges.add(from); ranges.add(to); }
        }
        return ranges.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Sums the chunks' gradients over one split of the parameters, in chunk order, and its squares for the norm: the
     * first chunk's are already in the summed gradients ({@link Arena}).
     */
    private void reduceSplit(int split) {
        int from = splitStart(split), to = splitStart(split + 1);
        float[] d = arena.data;
        int g = arena.grads.base();
        for (int c = 1; c < arena.chunks(); c++) k.add(d, arena.chunkGrads[c].base() + from, d, g + from, to - from);
        splitSquares[split] = k.sumOfSquares(d, g + from, to - from);
    }

    @Override
    public void close() {
        parallel.close();
        for (StepTeam t : teams) if (t != null) t.close();
    }
}
