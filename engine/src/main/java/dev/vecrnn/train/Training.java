package dev.vecrnn.train;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Rng;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.optim.Schedule;
import java.util.List;

/**
 * d2l's {@code train_ch8}: epochs of minibatches, the state reset at the start of each epoch (and of each
 * minibatch under random sampling), perplexity {@code exp(Σ loss·tokens / Σ tokens)} and tokens per second
 * of each epoch's wall time.
 *
 * <p>Between epochs the whole run is the parameters plus a {@link Progress} (epochs done, the data
 * generator's state): no hidden state crosses an epoch boundary, so a checkpoint taken there resumes to the
 * same bits as an uninterrupted run.
 */
public final class Training {
    private Training() {}

    /** What one epoch measured. */
    public record EpochStats(int epoch, int epochs, double meanLoss, double perplexity, long tokens, double seconds) {
        public double tokensPerSecond() { return tokens / seconds; }
    }

    /**
     * Where a run stands after {@code epochsDone} epochs; {@code optimizerSteps} is the trainer's update count
     * ({@link Trainer#optimizerSteps()}), which keys dropout's masks (and Adam's bias corrections).
     */
    public record Progress(int epochsDone, long rngState, long optimizerSteps) {
        /** A run that has not started: the data generator seeded from {@code seed}. */
        public static Progress start(long seed) {
            return new Progress(0, seed ^ 0x9E3779B97F4A7C15L, 0);
        }

        /** From a checkpoint that did not record the update count: right only for a run without dropout or Adam. */
        public Progress(int epochsDone, long rngState) {
            this(epochsDone, rngState, 0);
        }
    }

    /** Called after every epoch with the statistics and where the run stands; return false to stop early. */
    @FunctionalInterface
    public interface Listener {
        boolean onEpoch(EpochStats stats, Progress progress);

        /**
         * Called after every minibatch, before the epoch's own {@link #onEpoch}: a corpus whose epoch takes an
         * hour still needs evaluation, a time limit and early stopping. Return false to stop now, mid-epoch:
         * {@link #run} then returns the statistics of the epoch so far and calls no {@code onEpoch}.
         *
         * @param batch   minibatches done in this epoch, from 1
         * @param batches minibatches in this epoch
         */
        default boolean onBatch(int epoch, int batch, int batches) { return true; }
    }

    /** A loss that turned NaN or infinite; the model's parameters are no longer usable. */
    public static final class DivergedException extends ArithmeticException {
        public DivergedException(String message) { super(message); }
    }

    public static EpochStats run(RnnModel model, Corpus corpus, TrainConfig cfg, Kernels kernels, Listener listener) {
        return run(model, corpus, cfg, kernels, Progress.start(cfg.seed()), listener);
    }

    /** Trains {@code model} in place from {@code from} up to {@code cfg.epochs()}; returns the last epoch's statistics. */
    public static EpochStats run(RnnModel model, Corpus corpus, TrainConfig cfg, Kernels kernels, Progress from,
                                 Listener listener) {
        try (Trainer trainer = new Trainer(model, kernels, cfg.batch(), cfg.steps(), cfg.lr(), cfg.clip(), cfg.threads())) {
            return run(trainer, corpus, cfg, null, from, listener);
        }
    }

    /**
     * Trains with the caller's {@code trainer} (its optimizer, and its state and step count when resuming) from
     * {@code from} up to {@code cfg.epochs()}. A {@code schedule} (null: {@code cfg.lr()} throughout) sets the
     * rate of every update from the optimizer steps taken so far, so a resumed run continues it exactly.
     * Returns the last epoch's statistics, or those of the epoch in progress when {@link Listener#onBatch} stopped it.
     */
    public static EpochStats run(Trainer trainer, Corpus corpus, TrainConfig cfg, Schedule schedule, Progress from,
                                 Listener listener) {
        // The update count keys dropout's masks: a resumed run must draw the ones the uninterrupted run drew. A caller
        // that restored it from a checkpoint already (with the optimizer's state) passes a Progress without it.
        if (from.optimizerSteps() > 0) trainer.setOptimizerSteps(from.optimizerSteps());
        trainer.setDropout(cfg.dropout(), cfg.seed());
        Rng rng = new Rng(0).restore(from.rngState());
        SequenceIterator it = new SequenceIterator(corpus.ids(), cfg.batch(), cfg.steps(), cfg.randomIter(), rng);
        if (it.minBatchesPerEpoch() < 1) {
            throw new IllegalArgumentException("the corpus has " + corpus.ids().length + " tokens, too few for one minibatch of "
                    + cfg.batch() + " sequences of " + cfg.steps() + " steps; lower --batch-size or --num-steps, or raise --max-tokens");
        }
        EpochStats last = null;
        for (int epoch = from.epochsDone() + 1; epoch <= cfg.epochs(); epoch++) {
            EpochEvent event = new EpochEvent();
            event.begin();
            long start = System.nanoTime();
            List<Minibatch> batches = it.epoch();
            double lossSum = 0;
            long tokens = 0;
            boolean stopped = false;
            trainer.resetState();
            for (int b = 0; b < batches.size(); b++) {
                Minibatch mb = batches.get(b);
                if (!it.carriesState()) trainer.resetState();
                if (schedule != null) trainer.setLr(schedule.lr(trainer.optimizerSteps()));
                double loss = trainer.step(mb);
                if (!Double.isFinite(loss)) {
                    throw new DivergedException("the loss became " + loss + " in epoch " + epoch + "; lower --lr or --clip");
                }
                long n = (long) mb.batch() * mb.steps();
                lossSum += loss * n;
                tokens += n;
                if (!listener.onBatch(epoch, b + 1, batches.size())) {
                    stopped = true;
                    break;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double mean = lossSum / tokens;
            last = new EpochStats(epoch, cfg.epochs(), mean, Math.exp(mean), tokens, seconds);
            if (stopped) break;
            if (event.shouldCommit()) {
                event.epoch = epoch;
                event.perplexity = last.perplexity();
                event.tokensPerSecond = last.tokensPerSecond();
                event.tokens = tokens;
                event.threads = cfg.threads();
                event.commit();
            }
            if (!listener.onEpoch(last, new Progress(epoch, rng.state(), trainer.optimizerSteps()))) break;
        }
        return last;
    }
}
