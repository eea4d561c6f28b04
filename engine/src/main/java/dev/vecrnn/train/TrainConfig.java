package dev.vecrnn.train;

/**
 * Training hyperparameters; the defaults are d2l 8.5's.
 *
 * @param dropout the probability of dropping a unit, in [0, 1); 0 (d2l's) by default. Its masks are
 *                seeded from {@code seed} ({@link Trainer#setDropout}).
 */
public record TrainConfig(int hidden, int batch, int steps, int epochs, float lr, float clip,
                          boolean randomIter, long seed, int threads, float dropout) {

    /** Without dropout, as d2l 8.5 trains. */
    public TrainConfig(int hidden, int batch, int steps, int epochs, float lr, float clip, boolean randomIter, long seed, int threads) {
        this(hidden, batch, steps, epochs, lr, clip, randomIter, seed, threads, 0f);
    }

    public static final int HIDDEN = 512, BATCH = 32, STEPS = 35, EPOCHS = 500;
    public static final float LR = 1f, CLIP = 1f;

    public TrainConfig {
        if (hidden <= 0) throw new IllegalArgumentException("--hidden must be positive, not " + hidden);
        if (batch <= 0) throw new IllegalArgumentException("--batch-size must be positive, not " + batch);
        if (steps <= 0) throw new IllegalArgumentException("--num-steps must be positive, not " + steps);
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be positive, not " + epochs);
        if (!(lr > 0) || Float.isInfinite(lr)) throw new IllegalArgumentException("--lr must be a positive finite number, not " + lr);
        if (!(clip > 0) || Float.isInfinite(clip)) throw new IllegalArgumentException("--clip must be a positive finite number, not " + clip);
        if (threads <= 0) throw new IllegalArgumentException("--threads must be positive, not " + threads);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must be at least 0 and below 1, not " + dropout);
    }

    public TrainConfig withEpochs(int epochs) {
        return new TrainConfig(hidden, batch, steps, epochs, lr, clip, randomIter, seed, threads, dropout);
    }

    public static TrainConfig defaults() {
        return new TrainConfig(HIDDEN, BATCH, STEPS, EPOCHS, LR, CLIP, false, 0, Runtime.getRuntime().availableProcessors());
    }
}
