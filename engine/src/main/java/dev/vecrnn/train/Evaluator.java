package dev.vecrnn.train;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.CellStack;
import dev.vecrnn.model.OutputHead;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.Arrays;
import java.util.List;

/**
 * The loss of a model on held-out tokens, read as a stream: the ids are cut into {@code batch} contiguous
 * streams of equal length (the remainder at the end is dropped) that run side by side in windows of
 * {@code steps} steps, the hidden state carried from window to window. Every prediction therefore sees all
 * of its stream before it, so the result does not depend on {@code steps}, which only sizes the buffers.
 * It does depend on {@code batch}: each stream starts from a zero state with no context, and a stream of
 * {@code L} tokens gives {@code L − 1} predictions (its first token is only read), so it needs {@code L >= 2}.
 *
 * <p>Forward only (no dropout, no gradient), on the caller's thread, with the training step's kernels: the
 * same cell forward, output layer and {@code softmaxCrossEntropy}. Buffers are allocated once, here.
 */
public final class Evaluator {

    /** Mean cross-entropy per predicted token, in nats and bits, and its perplexity {@code exp(nats)}. */
    public record Result(double nats, double perplexity, double bits, long tokens, double seconds) {}

    private final RnnModel model;
    private final Kernels k;
    private final int batch, steps, vocab;
    private final Slab packed;
    private final Slab ws;         // the cell's buffers for (batch, steps), then "logits" and "probs"
    private final float[] state;   // (batch, stateSize), carried from window to window
    private final int[] x, y;      // (steps, batch) inputs and targets of one window, step-major as the cell reads them

    public Evaluator(RnnModel model, Kernels kernels, int batch, int steps) {
        if (batch <= 0 || steps <= 0) throw new IllegalArgumentException("batch and steps must be positive");
        this.model = model;
        this.k = kernels;
        this.batch = batch;
        this.steps = steps;
        this.vocab = model.vocab().size();
        int hidden = model.hidden();
        CellStack cell = model.layers();
        this.packed = Slab.allocate(TensorTable.of(cell.packedBuffers(vocab, hidden), OutputHead.packedBuffers(vocab, hidden)));
        this.ws = Slab.allocate(TensorTable.of(cell.chunkBuffers(batch, steps, hidden), List.of(
                new TensorSpec("logits", steps * batch, vocab),
                new TensorSpec("probs", steps * batch, vocab)))); // the kernel's gradient output, scaled to 0 and unread
        this.state = new float[batch * cell.stateSize(hidden)];
        this.x = new int[steps * batch];
        this.y = new int[steps * batch];
    }

    /** The fewest tokens {@link #evaluate} accepts: {@code batch} streams of 2 tokens, one prediction each. */
    public static int minTokens(int batch) {
        return 2 * batch;
    }

    /** Evaluates the model as it is now on {@code ids}, from a zero state. */
    public Result evaluate(int[] ids) {
        if (ids.length < minTokens(batch)) {
            throw new IllegalArgumentException(ids.length + " tokens are too few to evaluate " + batch + " streams: "
                    + "each needs at least 2 tokens, so at least " + minTokens(batch));
        }
        long start = System.nanoTime();
        CellStack cell = model.layers();
        Slab params = model.params();
        float[] w = ws.data();
        int length = ids.length / batch;
        int predictions = length - 1;
        cell.pack(k, params, packed, 0, 1);
        Arrays.fill(state, 0f);
        double lossSum = 0;
        for (int t0 = 0; t0 < predictions; t0 += steps) {
            int n = Math.min(steps, predictions - t0);
            for (int t = 0; t < n; t++) {
                for (int b = 0; b < batch; b++) {
                    int src = b * length + t0 + t;
                    x[t * batch + b] = ids[src];
                    y[t * batch + b] = ids[src + 1];
                }
            }
            // A last window shorter than steps uses the front of the buffers sized for steps.
            cell.forward(k, params, packed, ws, x, 0, batch, n, state, 0);
            OutputHead.forward(k, params, w, cell.outputs(ws), n * batch, w, ws.off("logits"));
            lossSum += k.softmaxCrossEntropy(w, ws.off("logits"), n * batch, vocab, y, 0, 0f, w, ws.off("probs"));
        }
        long tokens = (long) batch * predictions;
        double nats = lossSum / tokens;
        return new Result(nats, Math.exp(nats), nats / Math.log(2), tokens, (System.nanoTime() - start) / 1e9);
    }
}
