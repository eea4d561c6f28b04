package dev.vecrnn.data;

import java.util.ArrayList;
import java.util.List;

/**
 * d2l's {@code seq_data_iter_sequential} and {@code seq_data_iter_random}: one call to {@link #epoch} draws
 * a fresh random offset (and, for random sampling, a fresh shuffle) from the seeded generator and returns
 * that epoch's minibatches. The generator is not Python's, so the draws differ from d2l's; the procedure
 * and the counts are the same.
 */
public final class SequenceIterator {
    private final int[] corpus;
    private final int batch;
    private final int steps;
    private final boolean random;
    private final Rng rng;

    public SequenceIterator(int[] corpus, int batch, int steps, boolean random, Rng rng) {
        if (batch <= 0 || steps <= 0) throw new IllegalArgumentException("batch and steps must be positive");
        this.corpus = corpus;
        this.batch = batch;
        this.steps = steps;
        this.random = random;
        this.rng = rng;
    }

    /** Whether state carries from one minibatch to the next (sequential partitioning). */
    public boolean carriesState() { return !random; }

    /**
     * The fewest minibatches an epoch can have over any offset; zero means the corpus is too short for
     * {@code batch} sequences of {@code steps} tokens.
     */
    public int minBatchesPerEpoch() {
        if (random) return Math.max(0, (corpus.length - steps) / steps / batch);
        int worst = Math.max(0, ((corpus.length - steps - 1) / batch) * batch);
        return worst / batch / steps;
    }

    public List<Minibatch> epoch() {
        return random ? randomEpoch() : sequentialEpoch();
    }

    private List<Minibatch> sequentialEpoch() {
        int offset = rng.nextInt(steps + 1);                        // random.randint(0, num_steps)
        int numTokens = Math.max(0, (corpus.length - offset - 1) / batch * batch);
        int perRow = numTokens / batch;
        int numBatches = perRow / steps;
        List<Minibatch> out = new ArrayList<>(numBatches);
        for (int s = 0; s < numBatches; s++) {
            int[] x = new int[batch * steps], y = new int[batch * steps];
            for (int b = 0; b < batch; b++) {
                int src = offset + b * perRow + s * steps;
                System.arraycopy(corpus, src, x, b * steps, steps);
                System.arraycopy(corpus, src + 1, y, b * steps, steps);
            }
            out.add(new Minibatch(batch, steps, x, y));
        }
        return out;
    }

    private List<Minibatch> randomEpoch() {
        int offset = rng.nextInt(steps);                            // random.randint(0, num_steps - 1)
        int length = corpus.length - offset;
        int numSubseqs = Math.max(0, (length - 1) / steps);
        int[] starts = new int[numSubseqs];
        for (int i = 0; i < numSubseqs; i++) starts[i] = i * steps;
        rng.shuffle(starts, numSubseqs);
        int numBatches = numSubseqs / batch;
        List<Minibatch> out = new ArrayList<>(numBatches);
        for (int s = 0; s < numBatches; s++) {
            int[] x = new int[batch * steps], y = new int[batch * steps];
            for (int b = 0; b < batch; b++) {
                int src = offset + starts[s * batch + b];
                System.arraycopy(corpus, src, x, b * steps, steps);
                System.arraycopy(corpus, src + 1, y, b * steps, steps);
            }
            out.add(new Minibatch(batch, steps, x, y));
        }
        return out;
    }
}
