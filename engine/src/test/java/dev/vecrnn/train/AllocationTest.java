package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.optim.Sgd;
import dev.vecrnn.optim.Adam;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A training step in steady state allocates nothing, on the calling thread or on the pool's workers.
 * Runs on the scalar kernels: they allocate nothing even before the JIT compiles them, so the count is
 * exact; the Vector API kernels are allocation-free only once C2 has compiled them, which
 * {@code TrainStepBench} checks with {@code -prof gc}.
 */
class AllocationTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Object[] m : new Object[][] {{"rnn", 1}, {"gru", 1}, {"lstm", 1}, {"lstm", 2}, {"gru-torch", 2}}) {
            for (int threads = 1; threads <= 3; threads++) out.add(Arguments.of(m[0], m[1], threads));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} layers={1} threads={2}")
    @MethodSource("cases")
    void steadyStateStepAllocatesNothing(String cell, int layers, int threads) throws Exception {
        Corpus corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
        RnnModel model = new RnnModel(cell, layers, corpus.vocab(), Tokenization.CHAR, 24).initialize(new Random(1));
        List<Minibatch> batches = new SequenceIterator(corpus.ids(), 40, 10, false, new dev.vecrnn.data.Rng(2)).epoch();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Trainer trainer = new Trainer(model, KernelProvider.scalar(), 40, 10, 1f, 1f, threads)) {
            assertSteadyStepsAllocateNothing(mx, trainer, batches);
        }
    }

    /**
     * One chunk of 16 on a team of 2 and one of 3: the walks split by rows (2), the gate blocks of the LSTM's
     * gradients by blocks (2), every other product by columns (3), all through objects made once.
     */
    @ParameterizedTest(name = "{0} layers={1} threads={2}")
    @MethodSource("teamCases")
    void aTeamsStepAllocatesNothing(String cell, int layers, int threads) throws Exception {
        Corpus corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
        RnnModel model = new RnnModel(cell, layers, corpus.vocab(), Tokenization.CHAR, 64).initialize(new Random(1));
        List<Minibatch> batches = new SequenceIterator(corpus.ids(), 16, 10, false, new dev.vecrnn.data.Rng(2)).epoch();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Trainer trainer = new Trainer(model, KernelProvider.scalar(), 16, 10, 1f, 1f, threads, new Sgd(model.table()), 0)) {
            assertSteadyStepsAllocateNothing(mx, trainer, batches);
        }
    }

    static Stream<Arguments> teamCases() {
        List<Arguments> out = new ArrayList<>();
        for (Object[] m : new Object[][] {{"rnn", 1}, {"gru", 1}, {"lstm", 2}}) {
            for (int threads = 2; threads <= 3; threads++) out.add(Arguments.of(m[0], m[1], threads));
        }
        return out.stream();
    }

    /** 40 steps of warm-up, then {@link #assertStepsAllocateNothing} over rounds of 50 steps. */
    private static void assertSteadyStepsAllocateNothing(com.sun.management.ThreadMXBean mx, Trainer trainer,
                                                         List<Minibatch> batches) {
        for (int i = 0; i < 40; i++) trainer.step(batches.get(i % batches.size()));
        assertStepsAllocateNothing(mx, trainer, () -> {
            for (int i = 0; i < 50; i++) trainer.step(batches.get(i % batches.size()));
        });
    }

    /**
     * Rounds of 50 steps until one allocates nothing, at most three. A step that allocates does so in every
     * round; what the JVM itself allocates on these threads now and then (seen on a loaded machine: a few
     * hundred bytes once, on the old code too) does not repeat, and must not fail the test. Nor does a round in
     * which the pool started a worker it had not needed before (seen once, with a benchmark running beside the
     * tests): its threads' counters do not cover the round, so it counts as −1, no verdict.
     */
    private static void assertStepsAllocateNothing(com.sun.management.ThreadMXBean mx, Trainer trainer, Runnable steps) {
        List<Long> rounds = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            long[] ids = threadIds(trainer);
            long idle = allocated(mx, ids) - allocated(mx, ids); // what reading the counters itself costs
            long before = allocated(mx, ids);
            steps.run();
            long after = allocated(mx, ids);
            if (threadIds(trainer).length != ids.length) { // a worker started late (a loaded machine): no verdict
                rounds.add(-1L);
                continue;
            }
            rounds.add(after - before + idle);
            if (rounds.get(round) == 0) return;
        }
        assertEquals(0, rounds.get(rounds.size() - 1), "bytes allocated by each of 3 rounds of 50 steps (-1: the pool started a thread): " + rounds);
    }

    /** With dropout: the masks are hashed, not stored, and the masked copies were allocated by setDropout. */
    @ParameterizedTest(name = "{0} layers={1} threads={2}")
    @MethodSource("cases")
    void dropoutStepAllocatesNothing(String cell, int layers, int threads) throws Exception {
        Corpus corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
        RnnModel model = new RnnModel(cell, layers, corpus.vocab(), Tokenization.CHAR, 24).initialize(new Random(1));
        List<Minibatch> batches = new SequenceIterator(corpus.ids(), 40, 10, false, new dev.vecrnn.data.Rng(2)).epoch();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Trainer trainer = new Trainer(model, KernelProvider.scalar(), 40, 10, 1f, 1f, threads)) {
            trainer.setDropout(0.3f, 5);
            assertSteadyStepsAllocateNothing(mx, trainer, batches);
        }
    }

    /** Adam's update too: its moments live in the arena. */
    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3})
    void adamStepAllocatesNothing(int threads) throws Exception {
        Corpus corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
        RnnModel model = new RnnModel("rnn", 1, corpus.vocab(), Tokenization.CHAR, 24).initialize(new Random(1));
        List<Minibatch> batches = new SequenceIterator(corpus.ids(), 40, 10, false, new dev.vecrnn.data.Rng(2)).epoch();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Trainer trainer = new Trainer(model, KernelProvider.scalar(), 40, 10, 0.01f, 1f, threads, new Adam(model.table()))) {
            for (int i = 0; i < 40; i++) trainer.step(batches.get(i % batches.size()));
            assertStepsAllocateNothing(mx, trainer, () -> {
                for (int i = 0; i < 50; i++) {
                    trainer.setLr(0.01f / (1 + i));
                    trainer.step(batches.get(i % batches.size()));
                }
            });
        }
    }

    private static long[] threadIds(Trainer trainer) {
        List<Thread> threads = new ArrayList<>(trainer.workerThreads());
        threads.add(Thread.currentThread());
        return threads.stream().mapToLong(Thread::getId).toArray();
    }

    private static long allocated(com.sun.management.ThreadMXBean mx, long[] ids) {
        long s = 0;
        for (long id : ids) s += Math.max(0, mx.getThreadAllocatedBytes(id));
        return s;
    }
}
