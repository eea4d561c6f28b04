package dev.vecrnn.bench;

import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.Trainer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A training step on 1 thread and on N threads of the same model and minibatches, in interleaved bursts in one
 * JVM: on a shared host whose speed drifts by tens of percent in minutes, separate JMH forks cannot resolve the
 * speed-up of a team. Prints each trainer's median over the rounds and their ratio ({@code -Dprobe.trace=true}:
 * every round's time too).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.vecrnn.bench.TeamProbe \
 *     [cell=rnn] [hidden=512] [batch=16] [layers=1] [threads=2] [rounds=30]</pre>
 */
public final class TeamProbe {
    private TeamProbe() {}

    public static void main(String[] args) {
        String cell = args.length > 0 ? args[0] : "rnn";
        int hidden = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int layers = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 30;
        int steps = 35;
        Vocab vocab = RandomBatches.vocab();
        List<Minibatch> batches = RandomBatches.of(batch, steps, 8, 2);
        int[] counts = {1, threads};
        Trainer[] trainers = new Trainer[2];
        for (int v = 0; v < 2; v++) {
            RnnModel model = new RnnModel(cell, layers, vocab, Tokenization.CHAR, hidden).initialize(new Random(1));
            trainers[v] = new Trainer(model, KernelProvider.get(), batch, steps, 1f, 1f, counts[v]);
        }
        double[][] ms = new double[2][rounds];
        int next = 0;
        for (int round = -10; round < rounds; round++) {
            for (int v = 0; v < 2; v++) {
                long start = System.nanoTime(), now;
                int reps = 0;
                do {
                    trainers[v].step(batches.get(next));
                    next = (next + 1) & 7;
                    reps++;
                } while ((now = System.nanoTime()) - start < 300_000_000L);
                if (round >= 0) ms[v][round] = (now - start) / 1e6 / reps;
                if (Boolean.getBoolean("probe.trace")) System.out.printf("round %d v%d %.3f%n", round, v, (now - start) / 1e6 / reps);
            }
        }
        for (Trainer t : trainers) t.close();
        for (double[] m : ms) Arrays.sort(m);
        double one = ms[0][rounds / 2], many = ms[1][rounds / 2];
        System.out.printf("%s hidden %d layers %d batch %d: 1 thread %.3f ms/step (p10 %.3f, p90 %.3f), %d threads %.3f"
                        + " (p10 %.3f, p90 %.3f): %.2fx%n", cell, hidden, layers, batch, one, ms[0][rounds / 10],
                ms[0][rounds * 9 / 10], threads, many, ms[1][rounds / 10], ms[1][rounds * 9 / 10], one / many);
    }
}
