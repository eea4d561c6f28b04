package dev.vecrnn.bench;

import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import dev.vecrnn.train.ColumnSplitKernels;
import dev.vecrnn.train.StepTeam;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * What one recurrent step costs on one thread and split across a two-thread {@link StepTeam}, in interleaved
 * bursts (the host's speed drifts): a tanh RNN's forward step, {@code H_t = tanh(H_{t−1}·W + b)} for m rows,
 * over 35 steps. Four ways: one thread; the product split by columns ({@link ColumnSplitKernels}), so every step
 * each thread reads the half of {@code H_{t−1}} the other wrote; split by rows, each thread running the product
 * and the tanh of its own rows, so no state crosses between cores but both read all of W; and split by rows with
 * one call for all 35 steps, as training walks a chunk's steps since session 6 (no barrier per step). {@code fixed=true} keeps reading the same {@code H} (no state crosses cores in the column split either).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.vecrnn.bench.StepSplitProbe \
 *     [m=16] [n=512] [k=512] [fixed=false]</pre>
 */
public final class StepSplitProbe {
    private StepSplitProbe() {}

    public static void main(String[] args) {
        int m = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int k = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        boolean fixed = args.length > 3 && Boolean.parseBoolean(args[3]);
        if (!fixed && n != k) throw new IllegalArgumentException("a recurrence needs n = k; use fixed=true");
        int steps = 35, ldw = n + 16;   // a padded panel stride, as the cells pack them
        Kernels d = KernelProvider.get();
        Random r = new Random(1);
        float[] h = new float[(steps + 1) * m * Math.max(n, k)], w = new float[k * ldw], bias = new float[n], u = new float[n];
        for (int i = 0; i < w.length; i++) w[i] = (r.nextFloat() - 0.5f) * 0.1f;
        for (int i = 0; i < m * k; i++) h[i] = r.nextFloat();
        int[] step = new int[1];
        try (StepTeam team = new StepTeam(2, "probe")) {
            Kernels columns = new ColumnSplitKernels(d, team, 1);
            IntConsumer rowHalf = p -> {
                int r0 = p * m / 2, r1 = (p + 1) * m / 2;
                stepRows(d, h, w, ldw, bias, u, m, n, k, step[0], fixed, r0, r1);
            };
            IntConsumer walk = p -> {
                int r0 = p * m / 2, r1 = (p + 1) * m / 2;
                for (int t = 0; t < steps; t++) stepRows(d, h, w, ldw, bias, u, m, n, k, t, fixed, r0, r1);
            };
            String[] names = {"one thread", "split by columns", "split by rows", "rows, one call per walk"};
            double[][] us = new double[4][30];
            for (int round = -5; round < 30; round++) {
                for (int v = 0; v < 4; v++) {
                    long start = System.nanoTime(), now;
                    int reps = 0;
                    do {
                        if (v == 3) team.run(2, walk); // each thread all the steps of its rows, as training walks them
                        else for (int t = 0; t < steps; t++) {
                            step[0] = t;
                            if (v == 0) stepRows(d, h, w, ldw, bias, u, m, n, k, t, fixed, 0, m);
                            else if (v == 1) stepRows(columns, h, w, ldw, bias, u, m, n, k, t, fixed, 0, m);
                            else team.run(2, rowHalf);
                        }
                        reps++;
                    } while ((now = System.nanoTime()) - start < 50_000_000L);
                    if (round >= 0) us[v][round] = (now - start) / 1e3 / reps / steps;
                }
            }
            for (int v = 0; v < 4; v++) {
                java.util.Arrays.sort(us[v]);
                System.out.printf("m=%d n=%d k=%d fixed=%b  %-17s median %7.2f µs/step  (%.2f× one thread)%n", m, n, k, fixed,
                        names[v], us[v][15], us[0][15] / us[v][15]);
            }
        }
    }

    /** Rows [r0, r1) of step t: their product (with the kernels given) and their tanh. */
    private static void stepRows(Kernels kk, float[] h, float[] w, int ldw, float[] bias, float[] u, int m, int n, int k,
                                 int t, boolean fixed, int r0, int r1) {
        int prev = (fixed ? 0 : t * m * k) + r0 * k, cur = (fixed ? m * k : (t + 1) * m * n) + r0 * n;
        kk.gemm(Layout.NN, r1 - r0, n, k, h, prev, k, w, 0, ldw, h, cur, n, false);
        for (int i = 0; i < r1 - r0; i++) kk.tanhForward(h, cur + i * n, u, 0, bias, 0, h, cur + i * n, n);
    }
}
