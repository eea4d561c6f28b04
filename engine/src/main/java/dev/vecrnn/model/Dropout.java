package dev.vecrnn.model;

import dev.vecrnn.kernels.DropoutHash;
import dev.vecrnn.kernels.Kernels;

/**
 * Inverted dropout with drop probability {@code p} (kept units scaled by {@code 1/(1 − p)}), as char-rnn and
 * PyTorch's {@code nn.LSTM(dropout)} place it: on each layer's outputs where they feed the layer above, and
 * on the top layer's where they feed the output layer; never on the recurrent path. Training applies it;
 * evaluation and prediction run the stack without it.
 *
 * <p>Masks come from {@link DropoutHash}, keyed by (seed, step, sequence, layer, time step, unit), so a
 * step's masks do not depend on chunking, threads or anything a resumed run would not restore.
 */
public final class Dropout {
    private final float p;
    private final long seed;
    private final int threshold;
    private final float scale;

    /** {@code 0 < p < 1}: "no dropout" is no {@code Dropout} at all, so that path stays today's bit for bit. */
    public Dropout(float p, long seed) {
        if (!(p > 0 && p < 1)) throw new IllegalArgumentException("dropout must be above 0 and below 1, not " + p);
        this.p = p;
        this.seed = seed;
        this.threshold = DropoutHash.threshold(p);
        this.scale = (float) (1.0 / (1.0 - p));
    }

    public float p() { return p; }

    public long seed() { return seed; }

    /** What a kept unit is multiplied by: {@code 1/(1 − p)}, rounded to float once. */
    public float scale() { return scale; }

    /**
     * Applies the mask of {@code layer}'s outputs in step {@code step} to {@code (steps, rows, hidden)} values
     * from {@code src} into {@code dst} (which may be {@code src}): the outputs in forward, their gradient in
     * backward. Row {@code i} of the chunk is sequence {@code firstRow + i} of the minibatch.
     */
    public void apply(Kernels k, long step, int layer, int firstRow, int rows, int steps, int hidden,
                      float[] src, int srcOff, float[] dst, int dstOff) {
        long layerKey = DropoutHash.layerKey(seed, step, layer);
        for (int i = 0; i < rows; i++) {
            long sequenceKey = DropoutHash.sequenceKey(layerKey, firstRow + i);
            for (int t = 0; t < steps; t++) {
                int r = (t * rows + i) * hidden;
                k.dropout(src, srcOff + r, dst, dstOff + r, hidden, DropoutHash.rowKey(sequenceKey, t), threshold, scale);
            }
        }
    }

    @Override
    public String toString() {
        return "dropout " + p + " (seed " + seed + ")";
    }
}
