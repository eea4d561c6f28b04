package dev.vecrnn.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Compares GEMM loop nests ({@link VectorGemm.Path}) on one shape by interleaving them in short bursts and
 * reporting the median burst of each. On a shared host whose speed drifts by tens of percent over seconds, JMH's
 * one-parameter-after-another runs cannot tell a 10% difference; bursts of each variant taken in turn see the
 * same drift.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.vecrnn.kernels.GemmPathDuel \
 *     NN 32x512x512 BCAST_B_IN_PLACE,BCAST_PACK_A [rounds=40] [burstMillis=50]</pre>
 */
public final class GemmPathDuel {
    private GemmPathDuel() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: GemmPathDuel LAYOUT SHAPE PATH[,PATH...] [ROUNDS] [BURST_MS]");
            System.exit(2);
        }
        Layout layout = Layout.valueOf(args[0]);
        GemmShapes.Shape s = GemmShapes.parse(args[1], layout);
        List<VectorGemm.Path> paths = new ArrayList<>();
        for (String p : args[2].split(",")) paths.add(VectorGemm.Path.valueOf(p));
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 40;
        long burst = (args.length > 4 ? Long.parseLong(args[4]) : 50) * 1_000_000L;
        Random r = new Random(42);
        float[] a = new float[s.aSize()], b = new float[s.bSize()], c = new float[s.cSize()];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() * 2 - 1;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() * 2 - 1;
        double[][] us = new double[paths.size()][rounds];
        for (int round = -5; round < rounds; round++) {   // five rounds of warm-up
            for (int v = 0; v < paths.size(); v++) {
                VectorGemm.Path path = paths.get(v);
                long start = System.nanoTime(), now;
                int calls = 0;
                do {
                    VectorGemm.gemm(path, layout, s.m(), s.n(), s.k(), a, 0, s.lda(), b, 0, s.ldb(), c, 0, s.ldc(), false);
                    calls++;
                } while ((now = System.nanoTime()) - start < burst);
                if (round >= 0) us[v][round] = (now - start) / 1e3 / calls;
            }
        }
        for (int v = 0; v < paths.size(); v++) {
            double[] t = us[v].clone();
            Arrays.sort(t);
            double med = t[rounds / 2];
            System.out.printf("%s %s %-18s median %9.2f us  (p10 %9.2f, p90 %9.2f)  %6.1f GFLOP/s%n", args[0], args[1],
                    paths.get(v), med, t[rounds / 10], t[rounds * 9 / 10], s.flop() / med / 1e3);
        }
        if (c[0] == 12345f) System.out.println();   // keeps C live
    }
}
