package dev.vecrnn.generate;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.CellStack;
import dev.vecrnn.model.OutputHead;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorTable;
import dev.vecrnn.train.ColumnSplitKernels;
import dev.vecrnn.train.StepTeam;
import java.util.Arrays;

/**
 * Runs a model one step at a time for {@code rows} sequences at once: d2l's {@code predict_ch8} (warm up
 * on the prefix from a zero state, then feed back each chosen token) with a {@link Sampler} in place of the
 * argmax. A step is the cells' own forward with {@code steps = 1}: a GEMM per weight for several rows, and
 * for one row a GEMV ({@link Kernels#gemv}, which the GEMM's one-row case runs) that reads each weight once.
 * With several threads, those products are split by columns ({@link ColumnSplitKernels}).
 *
 * <p>Every row's logits have the same bits whatever the number of rows or threads (a GEMM row, a GEMV and
 * a column part all sum a column alike), so with the keyed sampler sample i's text does not depend on how
 * many samples run beside it. The weights are packed once, here: a model changed afterwards needs a new
 * generator. After construction, generating allocates nothing.
 */
public final class Generator implements AutoCloseable {
    /** Receives each chosen token: row, position (0 for the first generated token), token id. */
    @FunctionalInterface
    public interface TokenSink {
        void accept(int row, int position, int token);
    }

    private final RnnModel model;
    private final Kernels kernels;
    private final StepTeam parallel;
    private final int rows, vocab;
    private final Slab packed, ws;
    private final float[] state, logits;
    private final int[] x;

    public Generator(RnnModel model, Kernels kernels, int rows, int threads) {
        this(model, kernels, rows, threads, ColumnSplitKernels.MIN_WORK);
    }

    /** {@code minSplitWork}: multiply-adds from which a product is split across threads (tests use 0). */
    Generator(RnnModel model, Kernels kernels, int rows, int threads, long minSplitWork) {
        if (rows < 1) throw new IllegalArgumentException("samples must be 1 or more, not " + rows);
        this.model = model;
        this.rows = rows;
        this.vocab = model.vocab().size();
        int h = model.hidden();
        CellStack cells = model.layers();
        this.packed = Slab.allocate(new TensorTable(cells.packedBuffers(vocab, h)));
        this.ws = Slab.allocate(new TensorTable(cells.chunkBuffers(rows, 1, h)));
        this.state = new float[rows * cells.stateSize(h)];
        this.logits = new float[rows * vocab];
        this.x = new int[rows];
        cells.pack(kernels, model.params(), packed, 0, 1);
        this.parallel = threads > 1 ? new StepTeam(threads, "vecrnn-generate") : null;
        this.kernels = parallel != null ? new ColumnSplitKernels(kernels, parallel, minSplitWork) : kernels;
    }

    public int rows() { return rows; }

    /** The worker threads (none with one thread). */
    java.util.List<Thread> workers() {
        return parallel == null ? java.util.List.of() : parallel.workers();
    }

    /** The logits of the last step, {@code (rows, vocab)}. */
    public float[] logits() { return logits; }

    /** Zeroes every row's state, as d2l does before a prefix. */
    public void reset() {
        Arrays.fill(state, 0f);
    }

    /** One step: every row reads {@code tokens[row]}; the logits then hold each row's next-token scores. */
    public void step(int[] tokens) {
        System.arraycopy(tokens, 0, x, 0, rows);
        model.layers().forward(kernels, model.params(), packed, ws, x, 0, rows, 1, state, 0);
        OutputHead.forward(kernels, model.params(), ws.data(), model.layers().outputs(ws), rows, logits, 0);
    }

    /**
     * Warms every row up on {@code prefix} (token ids, at least one) from a zero state, then chooses
     * {@code numPreds} tokens per row with {@code sampler}, handing each to {@code sink} as it is chosen.
     */
    public void generate(int[] prefix, int numPreds, Sampler sampler, TokenSink sink) {
        if (prefix.length == 0) throw new IllegalArgumentException("the prefix has no tokens; give at least one character");
        if (numPreds < 0) throw new IllegalArgumentException("the number of predictions must be 0 or more, not " + numPreds);
        reset();
        if (numPreds == 0) return;
        for (int token : prefix) {
            Arrays.fill(x, token);
            step(x);
        }
        for (int t = 0; t < numPreds; t++) {
            for (int r = 0; r < rows; r++) {
                x[r] = sampler.sample(logits, r * vocab, r, t);
                sink.accept(r, t, x[r]);
            }
            if (t + 1 < numPreds) step(x);
        }
    }

    @Override
    public void close() {
        if (parallel != null) parallel.close();
    }
}
