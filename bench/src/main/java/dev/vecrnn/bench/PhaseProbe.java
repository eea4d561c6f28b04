package dev.vecrnn.bench;

import dev.vecrnn.train.StepPhases;
import dev.vecrnn.train.StepPhases.Phase;
import dev.vecrnn.train.Trainer;

/**
 * Where a training step's time goes, phase by phase ({@link StepPhases}), on 1 thread and on N, in interleaved
 * 300 ms bursts in one JVM ({@link TrainerDuel}, as {@code TeamProbe}): µs per step in each phase, summed over the
 * rounds after a warm-up. The phases inside a chunk are the first chunk's; with two chunks on two threads,
 * {@code CHUNKS} minus their sum is the wait for the other chunk.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.vecrnn.bench.PhaseProbe \
 *     [cell=rnn] [hidden=512] [batch=16] [layers=1] [threads=2] [rounds=20]</pre>
 */
public final class PhaseProbe {
    private PhaseProbe() {}

    public static void main(String[] args) {
        try (TrainerDuel duel = new TrainerDuel(args, 20)) {
            Trainer[] trainers = duel.trainers;
            long[] wall = new long[2];
            duel.run(() -> { for (Trainer t : trainers) t.timings().reset(); },
                    (v, round, nanos, steps) -> { if (round >= 0) wall[v] += nanos; });
            System.out.printf("%s hidden %d layers %d batch %d, µs per step (chunk phases: the first chunk's)%n", duel.cell,
                    duel.hidden, duel.layers, duel.batch);
            System.out.printf("%-14s %10s %10s%n", "phase", "1 thread", duel.threads + " threads");
            for (Phase p : Phase.values()) {
                System.out.printf("%-14s %10.1f %10.1f%n", p.name().toLowerCase(), perStep(trainers[0], p), perStep(trainers[1], p));
            }
            System.out.printf("%-14s %10.1f %10.1f%n", "step", wall[0] / 1e3 / trainers[0].timings().steps(),
                    wall[1] / 1e3 / trainers[1].timings().steps());
        }
    }

    private static double perStep(Trainer t, Phase p) {
        StepPhases s = t.timings();
        return s.nanos(p) / 1e3 / s.steps();
    }
}
