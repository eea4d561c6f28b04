package dev.vecrnn.cli;

import dev.vecrnn.model.CellStack;
import dev.vecrnn.train.Arena;
import dev.vecrnn.train.TrainConfig;
import java.util.Locale;

/**
 * The up-front size check of {@code train}: the parameters, their summed gradients, every chunk's gradient
 * partials and workspace ({@link Arena#footprint}), against the 2³¹ elements of one Java array and the heap this JVM may use. Refusing here, before
 * training, beats an out-of-memory error after the corpus has loaded and the model has been initialised.
 */
final class MemoryBudget {
    private MemoryBudget() {}

    /** The largest float[] the arena may be: {@code TensorTable}'s limit, a little under the JVM's. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 64;

    /** Refuses sizes that cannot fit; {@code vocab} 0 when the corpus is not loaded yet (a vocabulary of 1 is then assumed). */
    static void check(CellStack cell, int vocab, TrainConfig cfg, long maxMemory) {
        check(cell, vocab, cfg, 0, 0, maxMemory);
    }

    /**
     * With an optimizer keeping {@code stateCopies} tensors per parameter (Adam: 2), and the run's --min-freq,
     * which the advice raises when the vocabulary is what does not fit.
     */
    static void check(CellStack cell, int vocab, TrainConfig cfg, int stateCopies, int minFreq, long maxMemory) {
        Arena.Footprint f = Arena.footprint(cell, Math.max(vocab, 1), cfg.hidden(), cfg.batch(), cfg.steps(), stateCopies, cfg.dropout() > 0);
        String sizes = "--hidden " + cfg.hidden() + ", --batch-size " + cfg.batch() + " and --num-steps " + cfg.steps()
                + (vocab > 0 ? String.format(Locale.ROOT, " with a vocabulary of %,d", vocab) : "")
                + (stateCopies > 0 ? " and the optimizer's state" : "");
        String lower = "lower --hidden, --batch-size or --num-steps"
                + (vocab > 1000 ? " (a vocabulary of rare tokens shrinks with --min-freq " + Math.max(2, minFreq * 2)
                        + " or --max-tokens)" : "");
        if (f.arenaFloats() > MAX_ARRAY || f.paramFloats() > MAX_ARRAY) {
            throw UserException.usage(String.format(Locale.ROOT, "%s need %,d floats (%s) of parameters, gradients and buffers in one "
                    + "array, more than the %,d a Java array can hold; %s", sizes, f.arenaFloats(), gib(f.bytes()), MAX_ARRAY, lower));
        }
        long bytes = f.bytes(); // saves stream the parameters to the file in small blocks
        if (bytes > maxMemory) {
            throw UserException.usage(String.format(Locale.ROOT, "%s need %s for parameters, gradients and buffers, more than the %s "
                    + "this JVM may use; %s, or raise -Xmx", sizes, gib(bytes), gib(maxMemory), lower));
        }
    }

    static String gib(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
