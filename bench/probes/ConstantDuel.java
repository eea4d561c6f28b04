package dev.vecrnn.kernels;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Random;

/**
 * Times one GEMM shape with a {@code VectorGemm} tuning constant switched between values in interleaved 30 ms
 * bursts inside one JVM, so every value sees the same drift of a shared host. Compiled by
 * {@code bench/probes/constant-duel.sh} against a copy of the engine's kernels in which that constant is not
 * final; not part of the build.
 */
public final class ConstantDuel {
    public static void main(String[] args) throws Exception {
        Layout layout = Layout.valueOf(args[0]);
        GemmShapes.Shape s = GemmShapes.parse(args[1], layout);
        Field f = VectorGemm.class.getDeclaredField(args[2]);
        f.setAccessible(true);
        int[] values = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        Random r = new Random(42);
        float[] a = new float[s.aSize()], b = new float[s.bSize()], c = new float[s.cSize()];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() * 2 - 1;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() * 2 - 1;
        double[][] us = new double[values.length][rounds];
        for (int round = -5; round < rounds; round++) {   // five rounds of warm-up
            for (int v = 0; v < values.length; v++) {
                f.setInt(null, values[v]);
                long t0 = System.nanoTime(), now;
                int calls = 0;
                do {
                    VectorGemm.gemm(layout, s.m(), s.n(), s.k(), a, 0, s.lda(), b, 0, s.ldb(), c, 0, s.ldc(), false);
                    calls++;
                } while ((now = System.nanoTime()) - t0 < 30_000_000L);
                if (round >= 0) us[v][round] = (now - t0) / 1e3 / calls;
            }
        }
        for (int v = 0; v < values.length; v++) {
            double[] t = us[v].clone();
            Arrays.sort(t);
            double med = t[rounds / 2];
            System.out.printf("%s %s %s=%d median %9.1f us (p10 %9.1f, p90 %9.1f) %6.1f GFLOP/s%n", args[0], args[1],
                    args[2], values[v], med, t[rounds / 10], t[rounds * 9 / 10], s.flop() / med / 1e3);
        }
    }
}
