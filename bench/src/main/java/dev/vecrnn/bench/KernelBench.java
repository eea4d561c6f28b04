package dev.vecrnn.bench;

import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
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
 * The fused elementwise kernels at the sizes one training chunk (16 sequences × 35 steps, hidden 512,
 * vocabulary 28) runs them; elements per ns is {@link #ELEMENTS} / time (bench/run.sh computes it).
 *
 * <ul>
 *   <li>{@code tanhForward}, {@code tanhBackward}: one step, 16 × 512 = 8192 elements.</li>
 *   <li>{@code softmaxCrossEntropy}: the output layer of a chunk, 1120 rows × 28 columns = 31360 logits.</li>
 *   <li>{@code sumOfSquares}, {@code axpy}: the gradient norm and the SGD update over {@code W_hh},
 *       512 × 512 = 262144 floats (1 MB per operand, so these run from L2).</li>
 *   <li>{@code columnSums}, {@code scatterAddRows}: a chunk's bias gradient and layer 0's {@code W_xh} gradient,
 *       560 rows (35 steps × 16) of 512 summed into one row, and into the rows of their 28 tokens.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class KernelBench {

    /** Elements per operation of each benchmark, for the elements/ns column. */
    public static final String ELEMENTS = "tanhForward=8192,tanhBackward=8192,softmaxCrossEntropy=31360,"
            + "sumOfSquares=262144,axpy=262144,columnSums=286720,scatterAddRows=286720";

    static final int STEP = 16 * 512, ROWS = 1120, COLS = 28, WEIGHTS = 512 * 512, CHUNK_ROWS = 560, HIDDEN = 512;

    @Param({"vector", "scalar"})
    public String impl;

    Kernels kernels;
    float[] z, u, bias, h, dh1, dh2, dz, logits, grad, x, y, dA, biasGrad, inputGrad;
    int[] targets, tokens;
    float alpha, gradScale;

    @Setup
    public void setup() {
        kernels = impl.equals("scalar") ? KernelProvider.scalar() : KernelProvider.get();
        if (impl.equals("vector") && kernels.lanes() == 1) {
            throw new IllegalStateException("the Vector API kernels are not available: fork with --add-modules jdk.incubator.vector");
        }
        Random r = new Random(7);
        z = fill(r, STEP, 3);
        u = fill(r, STEP, 1);
        bias = fill(r, STEP, 0.1f);
        h = new float[STEP];
        kernels.tanhForward(z, 0, u, 0, bias, 0, h, 0, STEP);
        dh1 = fill(r, STEP, 1);
        dh2 = fill(r, STEP, 1);
        dz = new float[STEP];
        logits = fill(r, ROWS * COLS, 5);
        grad = new float[ROWS * COLS];
        targets = new int[ROWS];
        for (int i = 0; i < ROWS; i++) targets[i] = r.nextInt(COLS);
        x = fill(r, WEIGHTS, 1);
        y = fill(r, WEIGHTS, 1);
        alpha = 1e-9f; // keeps y from drifting over billions of calls
        dA = fill(r, CHUNK_ROWS * HIDDEN, 1e-9f); // small: the sums barely move over billions of calls
        biasGrad = new float[HIDDEN];
        inputGrad = new float[COLS * HIDDEN];
        tokens = new int[CHUNK_ROWS];
        for (int i = 0; i < CHUNK_ROWS; i++) tokens[i] = r.nextInt(COLS);
        gradScale = 1f / ROWS;
    }

    static float[] fill(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (r.nextFloat() * 2 - 1) * scale;
        return v;
    }

    @Benchmark
    public float[] tanhForward() {
        kernels.tanhForward(z, 0, u, 0, bias, 0, h, 0, STEP);
        return h;
    }

    @Benchmark
    public float[] tanhBackward() {
        kernels.tanhBackward(h, 0, dh1, 0, dh2, 0, dz, 0, STEP);
        return dz;
    }

    @Benchmark
    public double softmaxCrossEntropy() {
        return kernels.softmaxCrossEntropy(logits, 0, ROWS, COLS, targets, 0, gradScale, grad, 0);
    }

    @Benchmark
    public double sumOfSquares() {
        return kernels.sumOfSquares(x, 0, WEIGHTS);
    }

    @Benchmark
    public float[] axpy() {
        kernels.axpy(alpha, x, 0, y, 0, WEIGHTS);
        return y;
    }

    @Benchmark
    public float[] columnSums() {
        kernels.columnSums(dA, 0, CHUNK_ROWS, HIDDEN, HIDDEN, biasGrad, 0);
        return biasGrad;
    }

    @Benchmark
    public float[] scatterAddRows() {
        kernels.scatterAddRows(dA, 0, HIDDEN, CHUNK_ROWS, tokens, 0, inputGrad, 0, HIDDEN, HIDDEN);
        return inputGrad;
    }
}
