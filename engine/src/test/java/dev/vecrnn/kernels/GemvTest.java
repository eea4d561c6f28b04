package dev.vecrnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The batch-1 GEMV: within rounding of a double reference on every implementation; bit-identical to a row
 * of the same implementation's GEMM (so a sequence generated alone matches the same sequence in a batch);
 * bit-identical when its columns are split into parts (so any thread count gives the same bits); writes
 * nothing outside {@code y[0, n)}.
 */
class GemvTest {
    private static final float SENTINEL = -12345.678f;

    /** Column counts around the lanes and the 8-vector block, depths across the GEMM's k blocks (256). */
    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : KernelProvider.available()) {
            int l = k.lanes();
            for (int n : new int[] {1, 3, l - 1, l, l + 1, 8 * l - 1, 8 * l, 8 * l + 5, 17 * l + 3, 2048}) {
                if (n <= 0) continue;
                for (int depth : new int[] {0, 1, 7, 255, 256, 257, 512, 600}) out.add(Arguments.of(KernelsTest.named(k), n, depth));
            }
        }
        return out.stream();
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2f - 1f;
        return x;
    }

    @ParameterizedTest(name = "{0} n={1} k={2}")
    @MethodSource("shapes")
    void matchesTheReferenceAndARowOfTheGemm(Kernels kernels, int n, int k) {
        Random r = new Random(31L * n + k);
        int rows = 9, lda = k + 3, ldw = n + 5, xRow = 6, wOff = 7, yOff = 2;
        float[] a = random(r, rows * lda + 1), w = random(r, wOff + Math.max(0, k - 1) * ldw + n);
        float[] y0 = random(r, yOff + n + 4);
        for (boolean acc : new boolean[] {false, true}) {
            float[] y = y0.clone();
            for (int j = yOff + n; j < y.length; j++) y[j] = SENTINEL;
            for (int j = 0; j < yOff; j++) y[j] = SENTINEL;
            float[] yIn = y.clone();
            kernels.gemv(n, k, a, xRow * lda, w, wOff, ldw, y, yOff, acc);
            float[] c = new float[rows * n];
            for (int i = 0; i < rows; i++) System.arraycopy(yIn, yOff, c, i * n, n);
            kernels.gemm(Layout.NN, rows, n, k, a, 0, lda, w, wOff, ldw, c, 0, n, acc);
            for (int j = 0; j < n; j++) {
                double ref = acc ? yIn[yOff + j] : 0, mag = acc ? Math.abs(yIn[yOff + j]) : 0;
                for (int p = 0; p < k; p++) {
                    ref += (double) a[xRow * lda + p] * w[wOff + p * ldw + j];
                    mag += Math.abs((double) a[xRow * lda + p] * w[wOff + p * ldw + j]);
                }
                float got = y[yOff + j];
                assertTrue(Math.abs(got - ref) <= 1e-6 * mag + 1e-30, "column " + j + ": " + got + " vs " + ref);
                assertEquals(Float.floatToRawIntBits(c[xRow * n + j]), Float.floatToRawIntBits(got),
                        "column " + j + " differs from row " + xRow + " of the GEMM: " + got + " vs " + c[xRow * n + j]);
            }
            for (int j = 0; j < yOff; j++) assertEquals(SENTINEL, y[j], "wrote before y");
            for (int j = yOff + n; j < y.length; j++) assertEquals(SENTINEL, y[j], "wrote past y");
        }
    }

    @ParameterizedTest(name = "{0} n={1} k={2}")
    @MethodSource("shapes")
    void columnPartsGiveTheSameBits(Kernels kernels, int n, int k) {
        Random r = new Random(17L * n + k);
        float[] x = random(r, k), w = random(r, k * n);
        float[] whole = new float[n];
        kernels.gemv(n, k, x, 0, w, 0, n, whole, 0, false);
        for (int parts = 2; parts <= 5; parts++) {
            float[] split = new float[n];
            for (int part = 0; part < parts; part++) {
                int j0 = part * n / parts, j1 = (part + 1) * n / parts;
                kernels.gemv(j1 - j0, k, x, 0, w, j0, n, split, j0, false);
            }
            for (int j = 0; j < n; j++) {
                assertEquals(Float.floatToRawIntBits(whole[j]), Float.floatToRawIntBits(split[j]), parts + " parts, column " + j);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.vecrnn.kernels.KernelsTest#impls")
    void rejectsOperandsThatDoNotFit(Kernels kernels) {
        float[] x = new float[10], w = new float[100], y = new float[10];
        assertThrows(IllegalArgumentException.class, () -> kernels.gemv(10, 10, x, 1, w, 0, 10, y, 0, false));
        assertThrows(IllegalArgumentException.class, () -> kernels.gemv(10, 10, x, 0, w, 0, 11, y, 0, false));
        assertThrows(IllegalArgumentException.class, () -> kernels.gemv(10, 10, x, 0, w, 0, 10, y, 1, false));
        assertThrows(IllegalArgumentException.class, () -> kernels.gemv(-1, 10, x, 0, w, 0, 10, y, 0, false));
    }
}
