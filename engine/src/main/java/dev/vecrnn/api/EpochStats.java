package dev.vecrnn.api;

import java.util.OptionalDouble;

/**
 * What one training epoch measured, handed to an {@link EpochListener}.
 *
 * @param epoch           the epoch just finished, from 1
 * @param epochs          the epochs the run was set up for
 * @param loss            mean training loss of the epoch, in nats per token
 * @param perplexity      {@code exp(loss)}, as d2l's {@code train_ch8} reports it
 * @param validationLoss  the loss on the held-out tokens after this epoch, in nats per token; empty without a
 *                        validation split
 * @param tokensPerSecond training tokens per second of the epoch's wall time
 */
public record EpochStats(int epoch, int epochs, double loss, double perplexity, OptionalDouble validationLoss,
                         double tokensPerSecond) {}
