package dev.vecrnn.train;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnModel;
import java.util.List;
import java.util.Random;

/**
 * d2l's {@code train_ch8}: epochs of minibatches, the state reset at the start of each epoch (and of each
 * minibatch under random sampling), perplexity {@code exp(Σ loss·tokens / Σ tokens)} and tokens per second
 * of each epoch's wall time.
 */
public final class Training {
    private Training() {}

    /** What one epoch measured. */
    public record EpochStats(int epoch, int epochs, double meanLoss, double perplexity, long tokens, double seconds) {
        public double tokensPerSecond() { return tokens / seconds; }
    }

    /** Called after every epoch; return false to stop early. */
    @FunctionalInterface
    public interface Listener {
        boolean onEpoch(EpochStats stats);
    }

    /** Seed of the data generator, kept apart from the one that draws the initial weights. */
    public static Random dataRandom(long seed) {
        return new Random(seed ^ 0x9E3779B97F4A7C15L);
    }

    /** Trains {@code model} in place and returns the last epoch's statistics. */
    public static EpochStats run(RnnModel model, Corpus corpus, TrainConfig cfg, Kernels kernels, Listener listener) {
        SequenceIterator it = new SequenceIterator(corpus.ids(), cfg.batch(), cfg.steps(), cfg.randomIter(), dataRandom(cfg.seed()));
        if (it.minBatchesPerEpoch() < 1) {
            throw new IllegalArgumentException("the corpus has " + corpus.ids().length + " tokens, too few for one minibatch of "
                    + cfg.batch() + " sequences of " + cfg.steps() + " steps; lower --batch-size or --num-steps, or raise --max-tokens");
        }
        EpochStats last = null;
        try (Trainer trainer = new Trainer(model, kernels, cfg.batch(), cfg.steps(), cfg.lr(), cfg.clip(), cfg.threads())) {
            for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
                EpochEvent event = new EpochEvent();
                event.begin();
                long start = System.nanoTime();
                List<Minibatch> batches = it.epoch();
                double lossSum = 0;
                long tokens = 0;
                trainer.resetState();
                for (Minibatch mb : batches) {
                    if (!it.carriesState()) trainer.resetState();
                    double loss = trainer.step(mb);
                    long n = (long) mb.batch() * mb.steps();
                    lossSum += loss * n;
                    tokens += n;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double mean = lossSum / tokens;
                last = new EpochStats(epoch, cfg.epochs(), mean, Math.exp(mean), tokens, seconds);
                if (event.shouldCommit()) {
                    event.epoch = epoch;
                    event.perplexity = last.perplexity();
                    event.tokensPerSecond = last.tokensPerSecond();
                    event.tokens = tokens;
                    event.threads = cfg.threads();
                    event.commit();
                }
                if (!Double.isFinite(mean)) {
                    throw new ArithmeticException("the loss became " + mean + " in epoch " + epoch
                            + "; lower --lr or --clip");
                }
                if (!listener.onEpoch(last)) break;
            }
        }
        return last;
    }
}
