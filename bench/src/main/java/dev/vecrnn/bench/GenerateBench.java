package dev.vecrnn.bench;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.generate.Generator;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Generation at the size (2-layer LSTM, hidden 512, vocabulary 28) against the memory-bandwidth bound.
 *
 * <ul>
 *   <li>{@code step}: one generation step of {@code samples} sequences (the cells' forward with steps = 1 and
 *       the output layer; a GEMV per weight for one sequence), split by columns over {@code threads}.</li>
 *   <li>{@code readWeights}: a stream read of as many floats as a step reads weights
 *       ({@link #STEP_WEIGHTS}: both layers' recurrent panels, layer 1's input panel, one row of layer 0's,
 *       the output layer and biases), each thread summing squares over its share: the time a step cannot go
 *       below. The buffer is another array of the same size, so it sits in the same cache level.</li>
 * </ul>
 * Run with {@code -prof gc}: {@code step}'s {@code gc.alloc.rate.norm} must read 0 B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
@State(Scope.Benchmark)
public class GenerateBench {
    static final int HIDDEN = 512, VOCAB = 28, GATES = 4;
    /** Weight floats one step reads: 3 panels (hidden, 4·hidden), a gathered row, the output layer, biases. */
    public static final int STEP_WEIGHTS = 3 * HIDDEN * GATES * HIDDEN + GATES * HIDDEN + HIDDEN * VOCAB + VOCAB
            + 2 * GATES * HIDDEN;

    @Param({"1", "2"})
    public int threads;

    @Param({"1"})
    public int samples;

    Generator generator;
    int[] tokens;
    Parallel parallel;
    float[] weights;
    final double[] sums = new double[2];
    IntConsumer readPart;

    @Setup(Level.Trial)
    public void setup() {
        Kernels k = KernelProvider.get();
        List<String> chars = new ArrayList<>(List.of(Vocab.UNK, " "));
        for (char c = 'a'; c <= 'z'; c++) chars.add(String.valueOf(c));
        RnnModel m = new RnnModel("lstm", 2, new Vocab(chars), Tokenization.CHAR, HIDDEN).initialize(new Random(1));
        generator = new Generator(m, k, samples, threads);
        tokens = new int[samples];
        Arrays.fill(tokens, 3);
        weights = new float[STEP_WEIGHTS];
        Random r = new Random(2);
        for (int i = 0; i < weights.length; i++) weights[i] = r.nextFloat();
        parallel = new Parallel(threads);
        readPart = part -> {
            int from = (int) ((long) STEP_WEIGHTS * part / threads), to = (int) ((long) STEP_WEIGHTS * (part + 1) / threads);
            sums[part] = k.sumOfSquares(weights, from, to - from);
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        generator.close();
        parallel.close();
    }

    @Benchmark
    public float step() {
        generator.step(tokens);
        return generator.logits()[0];
    }

    @Benchmark
    public double readWeights() {
        parallel.run(threads, readPart);
        return sums[0] + sums[1];
    }
}
