package dev.vecrnn.bench;

import java.util.Arrays;

/**
 * What a team pays for data the other core touched last: one thread writes or reads a buffer right after the
 * other thread read or wrote it, against the same thread doing both. A training step's phases around the walks
 * (packing the weights every thread's walk reads, the update, the reduction) are mostly such transfers.
 * Prints the median GB/s of each over 200 rounds.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.vecrnn.bench.CrossCoreProbe [kilobytes=1024]</pre>
 */
public final class CrossCoreProbe {
    private CrossCoreProbe() {}

    private static final int ROUNDS = 200;
    private static volatile int turn;

    public static void main(String[] args) throws InterruptedException {
        int n = (args.length > 0 ? Integer.parseInt(args[0]) : 1024) * 256;
        float[] buf = new float[n];
        double[][] own = new double[2][ROUNDS], other = new double[2][ROUNDS]; // [0]: reads, [1]: writes
        float[] sink = new float[2];
        Thread member = new Thread(() -> {
            for (int r = 0; r < ROUNDS; r++) {
                await(1);
                long t = System.nanoTime();
                sink[1] += sum(buf);                       // reads what the caller wrote last
                other[0][r] = System.nanoTime() - t;
                t = System.nanoTime();
                fill(buf, r);                              // writes what the caller read last
                other[1][r] = System.nanoTime() - t;
                turn = 2;
            }
        });
        member.start();
        for (int r = 0; r < ROUNDS; r++) {
            fill(buf, r);
            long t = System.nanoTime();
            sink[0] += sum(buf);                           // reads what it wrote
            own[0][r] = System.nanoTime() - t;
            t = System.nanoTime();
            fill(buf, r + 1);                              // writes what it read (and leaves it for the member)
            own[1][r] = System.nanoTime() - t;
            sink[0] += sum(buf);
            turn = 1;
            await(2);
            turn = 0;
        }
        member.join();
        double bytes = 4.0 * n;
        System.out.printf("%d KB: read own writes %.1f GB/s, the other core's %.1f; write over own reads %.1f GB/s, "
                + "the other core's %.1f%s%n", n / 256, bytes / median(own[0]), bytes / median(other[0]),
                bytes / median(own[1]), bytes / median(other[1]), sink[0] + sink[1] == 42 ? " " : "");
    }

    private static void await(int t) {
        while (turn != t) Thread.onSpinWait();
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static void fill(float[] x, int r) {
        for (int i = 0; i < x.length; i++) x[i] = r + i;
    }

    // eight sums: a single one would time the adder's latency, not the transfer
    private static float sum(float[] x) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (int i = 0; i + 7 < x.length; i += 8) {
            a0 += x[i]; a1 += x[i + 1]; a2 += x[i + 2]; a3 += x[i + 3];
            a4 += x[i + 4]; a5 += x[i + 5]; a6 += x[i + 6]; a7 += x[i + 7];
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    }
}
