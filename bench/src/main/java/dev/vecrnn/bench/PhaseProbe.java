package dev.vecrnn.bench;

import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.StepPhases;
import dev.vecrnn.train.StepPhases.Phase;
import dev.vecrnn.train.Trainer;
import java.util.List;
import java.util.Random;

/**
 * Where a training step's time goes, phase by phase ({@link StepPhases}), on 1 thread and on N, in interleaved
 * 300 ms bursts in one JVM (as {@code TeamProbe}): µs per step in each phase, summed over the rounds after a
 * warm-up. The phases inside a chunk are the first chunk's; with two chunks on two threads, {@code CHUNKS} minus
 * their sum is the wait for the other chunk.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.vecrnn.bench.PhaseProbe \
 *     [cell=rnn] [hidden=512] [batch=16] [layers=1] [threads=2] [rounds=20]</pre>
 */
public final class PhaseProbe {
    private PhaseProbe() {}

    public static void main(String[] args) {
        String cell = args.length > 0 ? args[0] : "rnn";
        int hidden = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int layers = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 20;
        int steps = 35;
        List<Minibatch> batches = RandomBatches.of(batch, steps, 8, 2);
        int[] counts = {1, threads};
        Trainer[] trainers = new Trainer[2];
        for (int v = 0; v < 2; v++) {
            RnnModel model = new RnnModel(cell, layers, RandomBatches.vocab(), Tokenization.CHAR, hidden).initialize(new Random(1));
            trainers[v] = new Trainer(model, KernelProvider.get(), batch, steps, 1f, 1f, counts[v]);
        }
        long[] wall = new long[2];
        int next = 0;
        for (int round = -10; round < rounds; round++) {
            for (int v = 0; v < 2; v++) {
                if (round == 0) trainers[v].timings().reset();
                long start = System.nanoTime(), now;
                do {
                    trainers[v].step(batches.get(next));
                    next = (next + 1) & 7;
                } while ((now = System.nanoTime()) - start < 300_000_000L);
                if (round >= 0) wall[v] += now - start;
            }
        }
        System.out.printf("%s hidden %d layers %d batch %d, µs per step (chunk phases: the first chunk's)%n", cell, hidden,
                layers, batch);
        System.out.printf("%-14s %10s %10s%n", "phase", "1 thread", threads + " threads");
        for (Phase p : Phase.values()) {
            System.out.printf("%-14s %10.1f %10.1f%n", p.name().toLowerCase(), perStep(trainers[0], p), perStep(trainers[1], p));
        }
        System.out.printf("%-14s %10.1f %10.1f%n", "step", wall[0] / 1e3 / trainers[0].timings().steps(),
                wall[1] / 1e3 / trainers[1].timings().steps());
        for (Trainer t : trainers) t.close();
    }

    private static double perStep(Trainer t, Phase p) {
        StepPhases s = t.timings();
        return s.nanos(p) / 1e3 / s.steps();
    }
}
