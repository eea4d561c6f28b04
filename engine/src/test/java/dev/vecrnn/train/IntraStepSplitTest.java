package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Rng;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.optim.Sgd;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The second level of parallelism: with more threads than chunks, each chunk's products are split across a
 * team ({@link ColumnSplitKernels} on a {@link StepTeam}), and training must keep the bits of one thread.
 * Every split is forced ({@code minSplitWork} 0), so the small models here take the column split where a
 * panel is wide enough and the row split elsewhere, both per step and over all steps.
 */
class IntraStepSplitTest {
    static Corpus corpus;

    @BeforeAll
    static void load() throws IOException {
        corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
    }

    /** Batch 16 is one chunk (every thread past the first joins its team); 20 is 16 + 4 (teams of unequal size). */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : KernelProvider.available()) {
            for (Object[] m : new Object[][] {{"rnn", 1, 64}, {"gru", 1, 64}, {"lstm", 1, 64}, {"gru-torch", 1, 48},
                    {"lstm", 2, 40}}) {
                for (int batch : new int[] {16, 20}) out.add(Arguments.of(k, m[0], m[1], m[2], batch));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} layers={2} hidden={3} batch={4}")
    @MethodSource("cases")
    void splittingAStepKeepsTheBits(Kernels k, String cell, int layers, int hidden, int batch) {
        List<Minibatch> batches = new SequenceIterator(corpus.ids(), batch, 12, false, new Rng(4)).epoch().subList(0, 6);
        float[] reference = null;
        double[] referenceLoss = null;
        for (int threads : new int[] {1, 2, 3, 4}) {
            RnnModel m = new RnnModel(cell, layers, corpus.vocab(), Tokenization.CHAR, hidden).initialize(new Random(9));
            double[] losses = new double[batches.size()];
            try (Trainer t = new Trainer(m, k, batch, 12, 1f, 1f, threads, new Sgd(m.table()), 0)) {
                t.setDropout(layers > 1 ? 0.25f : 0f, 5);
                for (int i = 0; i < batches.size(); i++) losses[i] = t.step(batches.get(i));
            }
            float[] p = m.params().data().clone();
            if (reference == null) {
                reference = p;
                referenceLoss = losses;
            } else {
                assertArrayEquals(referenceLoss, losses, "losses with " + threads + " threads");
                assertArrayEquals(reference, p, "parameters with " + threads + " threads");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void oneChunkOnTwoThreadsUsesBoth(Kernels k) throws Exception {
        RnnModel m = new RnnModel("lstm", 1, corpus.vocab(), Tokenization.CHAR, 64).initialize(new Random(9));
        List<Minibatch> batches = new SequenceIterator(corpus.ids(), 16, 12, false, new Rng(4)).epoch();
        try (Trainer t = new Trainer(m, k, 16, 12, 1f, 1f, 2, new Sgd(m.table()), 0)) {
            t.step(batches.get(0));
            // the chunk's team started one thread of its own: the pool's worker has no chunk to run
            assertEquals(1, t.workerThreads().stream().filter(th -> th.getName().startsWith("vecrnn-step-")).count(),
                    "threads: " + t.workerThreads());
        }
    }

    static Stream<Kernels> kernels() {
        return KernelProvider.available().stream();
    }
}
