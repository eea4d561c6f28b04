package dev.vecrnn.bench;

import dev.vecrnn.kernels.GemmShapes;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread SGEMM, {@code C = op(A)·op(B)} with {@code C} overwritten, on the shapes the RNN runs.
 * {@code shape} is {@code MxKxN}: {@code C} is {@code (M, N)} and the inner dimension is {@code K}, with the
 * engine's leading dimensions where it reads or writes a block of a wider panel. GFLOP/s is
 * {@code 2·M·K·N / time} (bench/run.sh computes it into results/kernels.md).
 *
 * <p>{@code simd} is the Vector API kernel the engine uses ({@link KernelProvider#get()}); {@code scalar} is
 * the plain-loop reference, the baseline.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class GemmBench {

    /**
     * {@code MxKxN[:ldaX][:ldbY][:ldcZ]}: exactly {@link GemmShapes#ALL} (checked in setup), the registry the
     * kernel tests run too. JMH needs the values as literals here.
     */
    @Param({"32x512x512", "512x1120x512", "1120x512x28", "1024x1024x1024",
            "16x512x512", "560x28x512", "560x512x28", "512x560x512", "512x560x28",
            "1x512x512", "32x1024x1024", "16x256x1024", "16x1024x256", "16x256x512:ldc768", "256x560x256:ldb1024",
            "32x512x2048", "16x512x2048"})
    public String shape;

    /** NP: NN with B in {@code PackedPanel}s, as the recurrent products read their weights. */
    @Param({"NN", "NP", "NT", "TN"})
    public String layout;

    /**
     * {@code auto}: the loop nest the engine picks for the shape; otherwise a {@code VectorGemm.Path} name
     * ({@code BCAST_B_IN_PLACE}, {@code BCAST_PACK_B}, {@code BCAST_PACK_AB}, {@code NT_DOT4X4}, {@code NT_SWAP}),
     * forced through {@code -Dvecrnn.gemm.path} before the kernels load, to compare variants in one run.
     */
    @Param({"auto"})
    public String path;

    // non-final, so the JIT cannot treat the operands or sizes as constants
    Kernels simd;
    Kernels scalar;
    Layout lay;
    int m, n, k, lda, ldb, ldc;
    float[] a, b, c;

    @Setup
    public void setup() {
        if (!GemmShapes.ALL.contains(shape)) throw new IllegalStateException(shape + " is not in GemmShapes.ALL");
        if (!path.equals("auto")) System.setProperty("vecrnn.gemm.path", path);
        lay = Layout.valueOf(layout);
        GemmShapes.Shape s = GemmShapes.parse(shape, lay);
        m = s.m();
        k = s.k();
        n = s.n();
        lda = s.lda();
        ldb = s.ldb();
        ldc = s.ldc();
        Random r = new Random(42);
        a = new float[s.aSize()];
        b = new float[s.bSize()];
        c = new float[s.cSize()];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() * 2 - 1;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() * 2 - 1;
        simd = KernelProvider.get();
        scalar = KernelProvider.scalar();
        if (simd.lanes() == 1) {
            throw new IllegalStateException("the Vector API kernels are not available: fork with --add-modules jdk.incubator.vector");
        }
    }

    @Benchmark
    public float[] simd() {
        simd.gemm(lay, m, n, k, a, 0, lda, b, 0, ldb, c, 0, ldc, false);
        return c;
    }

    @Benchmark
    public float[] scalar() {
        scalar.gemm(lay, m, n, k, a, 0, lda, b, 0, ldb, c, 0, ldc, false);
        return c;
    }
}
