package dev.vecrnn.bench;

import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.Trainer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * One full training step at d2l's size (vocab 28, batch 32, steps 35; hidden 512 for the tanh RNN, 256 for
 * d2l's GRU and LSTM runs): forward, backward, clipping and the SGD update, for each cell and depth, with and
 * without dropout. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} must read 0 B/op.
 * Tokens per second = 1120 / (seconds per op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
@State(Scope.Benchmark)
public class TrainStepBench {
    @Param({"1", "2"})
    public int threads;

    @Param({"512"})
    public int hidden;

    @Param({"rnn"})
    public String cell;

    @Param({"1"})
    public int layers;

    /** Dropout probability ({@code -p dropout=0,0.5} compares its cost); 0 is the step without it. */
    @Param({"0"})
    public float dropout;

    /** Sequences per minibatch: 16 is one chunk, so threads past the first split its steps ({@code StepTeam}). */
    @Param({"32"})
    public int batch;
    public int steps = 35;
    private Trainer trainer;
    private List<Minibatch> batches;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        RnnModel model = new RnnModel(cell, layers, RandomBatches.vocab(), Tokenization.CHAR, hidden).initialize(new Random(1));
        batches = RandomBatches.of(batch, steps, 8, 2);
        trainer = new Trainer(model, KernelProvider.get(), batch, steps, 1f, 1f, threads);
        trainer.setDropout(dropout, 3);
    }

    @Benchmark
    public double step() {
        Minibatch mb = batches.get(next);
        next = (next + 1) & 7;
        return trainer.step(mb);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
    }
}
