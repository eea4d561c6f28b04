package dev.vecrnn.api;

/**
 * Called after every training epoch; can stop the run early.
 *
 * <pre>{@code
 * .onEpoch(e -> {
 *     System.out.printf("epoch %d perplexity %.2f%n", e.epoch(), e.perplexity());
 *     return e.perplexity() > 1.5; // stop once below 1.5
 * })
 * }</pre>
 */
@FunctionalInterface
public interface EpochListener {
    /**
     * Receives an epoch's statistics.
     *
     * @param stats what the epoch measured
     * @return true to go on, false to stop after this epoch: {@link TrainingBuilder#train()} then returns the
     *         model as it is now
     */
    boolean onEpoch(EpochStats stats);
}
