package dev.vecrnn.bench;

import java.util.Arrays;

/**
 * A training step on 1 thread and on N threads of the same model and minibatches, in interleaved bursts in one
 * JVM ({@link TrainerDuel}): on a shared host whose speed drifts by tens of percent in minutes, separate JMH forks
 * cannot resolve the speed-up of a team. Prints each trainer's median over the rounds and their ratio
 * ({@code -Dprobe.trace=true}: every round's time too).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.vecrnn.bench.TeamProbe \
 *     [cell=rnn] [hidden=512] [batch=16] [layers=1] [threads=2] [rounds=30]</pre>
 */
public final class TeamProbe {
    private TeamProbe() {}

    public static void main(String[] args) {
        try (TrainerDuel duel = new TrainerDuel(args, 30)) {
            int rounds = duel.rounds;
            double[][] ms = new double[2][rounds];
            boolean trace = Boolean.getBoolean("probe.trace");
            duel.run(() -> { }, (v, round, nanos, steps) -> {
                if (round >= 0) ms[v][round] = nanos / 1e6 / steps;
                if (trace) System.out.printf("round %d v%d %.3f%n", round, v, nanos / 1e6 / steps);
            });
            for (double[] m : ms) Arrays.sort(m);
            double one = ms[0][rounds / 2], many = ms[1][rounds / 2];
            System.out.printf("%s hidden %d layers %d batch %d: 1 thread %.3f ms/step (p10 %.3f, p90 %.3f), %d threads %.3f"
                            + " (p10 %.3f, p90 %.3f): %.2fx%n", duel.cell, duel.hidden, duel.layers, duel.batch, one,
                    ms[0][rounds / 10], ms[0][rounds * 9 / 10], duel.threads, many, ms[1][rounds / 10],
                    ms[1][rounds * 9 / 10], one / many);
        }
    }
}
