package dev.vecrnn.bench;

import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.Trainer;
import java.util.List;
import java.util.Random;

/**
 * What {@link TeamProbe} and {@link PhaseProbe} share: their arguments {@code [cell=rnn] [hidden=512] [batch=16]
 * [layers=1] [threads=2] [rounds]}, one trainer on 1 thread and one on {@code threads} of the same model and
 * minibatches, and training steps on them in interleaved 300 ms bursts (10 rounds of warm-up, then
 * {@code rounds}): on a shared host whose speed drifts by tens of percent in minutes, separate runs cannot
 * resolve what a team gains.
 */
final class TrainerDuel implements AutoCloseable {
    /** What a round's burst on one trainer measured (rounds below 0 are the warm-up). */
    interface Burst {
        void done(int trainer, int round, long nanos, int steps);
    }

    final String cell;
    final int hidden, batch, layers, threads, rounds;
    /** {@code [0]} on one thread, {@code [1]} on {@code threads}. */
    final Trainer[] trainers = new Trainer[2];
    private final List<Minibatch> batches;

    TrainerDuel(String[] args, int defaultRounds) {
        cell = args.length > 0 ? args[0] : "rnn";
        hidden = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        batch = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        layers = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        rounds = args.length > 5 ? Integer.parseInt(args[5]) : defaultRounds;
        int steps = 35;
        batches = RandomBatches.of(batch, steps, 8, 2);
        int[] counts = {1, threads};
        for (int v = 0; v < 2; v++) {
            RnnModel model = new RnnModel(cell, layers, RandomBatches.vocab(), Tokenization.CHAR, hidden).initialize(new Random(1));
            trainers[v] = new Trainer(model, KernelProvider.get(), batch, steps, 1f, 1f, counts[v]);
        }
    }

    /** Runs the rounds; {@code atStart} before the first measured one, {@code burst} after every burst. */
    void run(Runnable atStart, Burst burst) {
        int next = 0;
        for (int round = -10; round < rounds; round++) {
            if (round == 0) atStart.run();
            for (int v = 0; v < 2; v++) {
                long start = System.nanoTime(), now;
                int steps = 0;
                do {
                    trainers[v].step(batches.get(next));
                    next = (next + 1) & 7;
                    steps++;
                } while ((now = System.nanoTime()) - start < 300_000_000L);
                burst.done(v, round, now - start, steps);
            }
        }
    }

    @Override
    public void close() {
        for (Trainer t : trainers) t.close();
    }
}
