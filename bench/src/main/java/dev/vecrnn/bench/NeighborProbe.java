package dev.vecrnn.bench;

import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How fast one core runs a walk's per-step products (35 NP products of {@code 16 × K × N}, operands in L1 and L2)
 * while the other core idles, runs register-only FMAs (what {@code peak.c} measures), streams loads from L1,
 * stores to L1, or runs the same products on the same or on its own copy of the weight panel. Interleaved rounds
 * in one JVM; prints core 0's GFLOP/s in each case. The 2-thread FMA ceiling assumes each core keeps its
 * 1-thread rate while the other works; this shows what the products of a 2-chunk step keep.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.vecrnn.bench.NeighborProbe \
 *     [K=128] [N=256] [rounds=20]</pre>
 */
public final class NeighborProbe {
    private NeighborProbe() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final String[] NEIGHBOURS = {"idle", "FMAs", "L1 loads", "L1 stores", "same products", "own panel"};
    private static final int ROWS = 16, STEPS = 35, WALKS = 400;
    private static volatile boolean stop;
    private static volatile float sink;

    public static void main(String[] args) throws InterruptedException {
        int k = args.length > 0 ? Integer.parseInt(args[0]) : 128, n = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Kernels kernels = KernelProvider.get();
        Random r = new Random(1);
        float[] panel = new float[k * n], a = new float[ROWS * k], c = new float[ROWS * n];
        for (int i = 0; i < panel.length; i++) panel[i] = r.nextFloat() - .5f;
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - .5f;
        float[] ownPanel = panel.clone(), a2 = a.clone(), c2 = new float[ROWS * n], l1 = new float[4096];
        long[] nanos = new long[NEIGHBOURS.length];
        for (int round = -5; round < rounds; round++) {
            for (int v = 0; v < NEIGHBOURS.length; v++) {
                int mode = v;
                stop = false;
                Thread other = new Thread(() -> {
                    switch (mode) {
                        case 1 -> fmas();
                        case 2 -> loads(l1);
                        case 3 -> stores(l1);
                        case 4 -> { while (!stop) walk(kernels, k, n, a2, panel, c2); }
                        case 5 -> { while (!stop) walk(kernels, k, n, a2, ownPanel, c2); }
                        default -> { }
                    }
                });
                other.start();
                Thread.sleep(20);
                long t = System.nanoTime();
                for (int w = 0; w < WALKS; w++) walk(kernels, k, n, a, panel, c);
                t = System.nanoTime() - t;
                stop = true;
                other.join();
                if (round >= 0) nanos[v] += t;
            }
        }
        double flops = 2.0 * ROWS * k * n * STEPS * WALKS * rounds;
        System.out.printf("16x%dx%d NP walks on core 0, %d rounds:%n", k, n, rounds);
        for (int v = 0; v < NEIGHBOURS.length; v++) {
            System.out.printf("  core 1 %-14s core 0 %6.1f GFLOP/s%n", NEIGHBOURS[v] + ":", flops / nanos[v]);
        }
    }

    private static void walk(Kernels kernels, int k, int n, float[] a, float[] panel, float[] c) {
        for (int t = 0; t < STEPS; t++) kernels.gemm(Layout.NP, ROWS, n, k, a, 0, k, panel, 0, k, c, 0, n, false);
    }

    /** Twelve independent FMA chains, as {@code peak.c}. */
    private static void fmas() {
        FloatVector b = FloatVector.broadcast(F, 0.999999f), c = FloatVector.broadcast(F, 1e-7f), z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z, a10 = z, a11 = z;
        while (!stop) {
            for (int i = 0; i < 10_000; i++) {
                a0 = a0.fma(b, c); a1 = a1.fma(b, c); a2 = a2.fma(b, c); a3 = a3.fma(b, c); a4 = a4.fma(b, c);
                a5 = a5.fma(b, c); a6 = a6.fma(b, c); a7 = a7.fma(b, c); a8 = a8.fma(b, c); a9 = a9.fma(b, c);
                a10 = a10.fma(b, c); a11 = a11.fma(b, c);
            }
        }
        sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    private static void loads(float[] x) {
        FloatVector s = FloatVector.zero(F);
        while (!stop) for (int i = 0; i < x.length; i += F.length()) s = s.add(FloatVector.fromArray(F, x, i));
        sink = s.reduceLanes(VectorOperators.ADD);
    }

    private static void stores(float[] x) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        while (!stop) for (int i = 0; i < x.length; i += F.length()) one.intoArray(x, i);
    }
}
