package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Rng;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Dropout;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dropout in training: off is today's engine bit for bit, on it is bit-identical for any thread count and
 * across a resume, it changes what is trained, and evaluation does not apply it.
 */
class DropoutTrainingTest {
    static Corpus corpus;

    @BeforeAll
    static void load() throws IOException {
        corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
    }

    static RnnModel model(String cell, int layers, int hidden, long seed) {
        return new RnnModel(cell, layers, corpus.vocab(), Tokenization.CHAR, hidden).initialize(new Random(seed));
    }

    static Stream<Arguments> models() {
        return Stream.of(Arguments.of("rnn", 1, 32), Arguments.of("gru", 2, 24), Arguments.of("lstm", 2, 24));
    }

    static List<Minibatch> batches(int batch, int steps) {
        return new SequenceIterator(corpus.ids(), batch, steps, false, new Rng(3)).epoch();
    }

    static float[] train(RnnModel m, int threads, List<Minibatch> batches, int n, Float p) {
        try (Trainer t = new Trainer(m, KernelProvider.get(), batches.get(0).batch(), batches.get(0).steps(), 1f, 1f, threads)) {
            if (p != null) t.setDropout(p, 11);
            for (int i = 0; i < n; i++) t.step(batches.get(i % batches.size()));
        }
        return m.params().data().clone();
    }

    /** p = 0, and p = 0 after a p > 0 allocated the masked copies, give the bits of a trainer never told of dropout. */
    @ParameterizedTest(name = "{0} layers={1}")
    @MethodSource("models")
    void zeroIsTheEngineWithoutDropout(String cell, int layers, int hidden) {
        List<Minibatch> b = batches(40, 10);
        float[] plain = train(model(cell, layers, hidden, 5), 2, b, 6, null);
        assertArrayEquals(plain, train(model(cell, layers, hidden, 5), 2, b, 6, 0f), "setDropout(0)");
        RnnModel m = model(cell, layers, hidden, 5);
        try (Trainer t = new Trainer(m, KernelProvider.get(), 40, 10, 1f, 1f, 2)) {
            t.setDropout(0.5f, 11);
            t.setDropout(0f, 11);
            assertNull(t.dropout());
            for (int i = 0; i < 6; i++) t.step(b.get(i % b.size()));
        }
        assertArrayEquals(plain, m.params().data(), "on, then off again");
        assertFalse(Arrays.equals(plain, train(model(cell, layers, hidden, 5), 2, b, 6, 0.3f)), "p = 0.3 must change the result");
    }

    /** batch 40 is three chunks (16, 16, 8), split differently on 2 and 3 threads; masks follow the minibatch row. */
    @ParameterizedTest(name = "{0} layers={1}")
    @MethodSource("models")
    void sameBitsForAnyThreadCount(String cell, int layers, int hidden) {
        float[] reference = null;
        for (int threads = 1; threads <= 3; threads++) {
            RnnModel m = model(cell, layers, hidden, 7);
            Training.run(m, corpus, new TrainConfig(hidden, 40, 20, 2, 1f, 1f, false, 3, threads, 0.4f), KernelProvider.get(),
                    (s, p) -> true);
            if (reference == null) reference = m.params().data().clone();
            else assertArrayEquals(reference, m.params().data(), "threads=" + threads);
        }
    }

    /** One chunk of 16 gives the bits of the first 16 sequences of a 40-sequence minibatch's first chunk. */
    @Test
    void masksDependOnTheMinibatchRowNotTheChunk() {
        List<Minibatch> b40 = batches(40, 10);
        Minibatch big = b40.get(0);
        int[] x = Arrays.copyOf(big.x(), 16 * 10), y = Arrays.copyOf(big.y(), 16 * 10);
        Minibatch head = new Minibatch(16, 10, x, y);
        int vocab = corpus.vocab().size();
        float[] logitsBig = new float[40 * 10 * vocab], logitsHead = new float[16 * 10 * vocab];
        RnnModel m = model("lstm", 2, 24, 4);
        try (Trainer t40 = new Trainer(m, KernelProvider.get(), 40, 10, 1f, 1f, 2);
             Trainer t16 = new Trainer(m, KernelProvider.get(), 16, 10, 1f, 1f, 1)) {
            t40.setDropout(0.5f, 1);
            t16.setDropout(0.5f, 1);
            t40.forwardBackward(big);
            t40.logits(logitsBig);
            t16.forwardBackward(head);
            t16.logits(logitsHead);
        }
        for (int t = 0; t < 10; t++) {
            for (int i = 0; i < 16; i++) {
                for (int v = 0; v < vocab; v++) {
                    assertEquals(logitsBig[(t * 40 + i) * vocab + v], logitsHead[(t * 16 + i) * vocab + v], 0f,
                            "step " + t + " sequence " + i);
                }
            }
        }
    }

    /** Each step draws new masks: the same minibatch twice at different step counts gives different logits. */
    @Test
    void masksChangeWithTheStep() {
        Minibatch mb = batches(16, 10).get(0);
        int vocab = corpus.vocab().size();
        float[] a = new float[16 * 10 * vocab], b = new float[a.length], c = new float[a.length];
        RnnModel m = model("gru", 1, 24, 4);
        try (Trainer t = new Trainer(m, KernelProvider.get(), 16, 10, 1f, 1f, 1)) {
            t.setDropout(0.5f, 1);
            t.forwardBackward(mb);
            t.logits(a);
            t.resetState();
            t.forwardBackward(mb);
            t.logits(b);
            assertArrayEquals(a, b, "the same step draws the same masks");
            t.resetState();
            t.setOptimizerSteps(1);
            t.forwardBackward(mb);
            t.logits(c);
        }
        assertFalse(Arrays.equals(a, c), "step 1 must draw other masks than step 0");
    }

    /**
     * A run stopped after epoch 2 and resumed from its {@link Training.Progress} (which carries the update count
     * that keys the masks) ends on the straight run's bits; resumed without the count it does not.
     */
    @ParameterizedTest(name = "{0} layers={1}")
    @MethodSource("models")
    void resumingGivesTheSameBits(String cell, int layers, int hidden) {
        for (boolean random : new boolean[] {false, true}) {
            TrainConfig cfg = new TrainConfig(hidden, 16, 20, 4, 1f, 1f, random, 9, 2, 0.3f);
            RnnModel straight = model(cell, layers, hidden, 9);
            Training.run(straight, corpus, cfg, KernelProvider.get(), (s, p) -> true);

            RnnModel first = model(cell, layers, hidden, 9);
            Training.Progress[] at2 = new Training.Progress[1];
            Training.run(first, corpus, cfg, KernelProvider.get(), (s, p) -> {
                at2[0] = p;
                return s.epoch() < 2;
            });
            assertEquals(2, at2[0].epochsDone());
            assertTrue(at2[0].optimizerSteps() > 0, "the progress records the updates taken: " + at2[0]);

            RnnModel resumed = model(cell, layers, hidden, 12345);
            System.arraycopy(first.params().data(), 0, resumed.params().data(), 0, first.table().size());
            Training.run(resumed, corpus, cfg, KernelProvider.get(), at2[0], (s, p) -> true);
            assertArrayEquals(straight.params().data(), resumed.params().data(), "random=" + random);

            RnnModel countless = model(cell, layers, hidden, 12345);
            System.arraycopy(first.params().data(), 0, countless.params().data(), 0, first.table().size());
            Training.run(countless, corpus, cfg, KernelProvider.get(),
                    new Training.Progress(at2[0].epochsDone(), at2[0].rngState()), (s, p) -> true);
            assertFalse(Arrays.equals(straight.params().data(), countless.params().data()),
                    "without the update count the masks repeat the first epochs', random=" + random);
        }
    }

    /** The Evaluator never applies dropout: its loss is the trainer's without dropout, not the trainer's with it. */
    @Test
    void evaluationRunsWithoutDropout() {
        int batch = 8, steps = 12;
        int[] ids = Arrays.copyOf(corpus.ids(), batch * (steps + 1));
        int[] x = new int[batch * steps], y = new int[batch * steps];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                x[b * steps + t] = ids[b * (steps + 1) + t];
                y[b * steps + t] = ids[b * (steps + 1) + t + 1];
            }
        }
        Minibatch mb = new Minibatch(batch, steps, x, y);
        Kernels k = KernelProvider.get();
        RnnModel m = model("lstm", 2, 24, 6);
        Random r = new Random(6); // weights far from d2l's N(0, 0.01²), so that what dropout drops matters to the loss
        for (int i = 0; i < m.table().size(); i++) m.params().data()[m.params().base() + i] = (float) (r.nextGaussian() * 0.5);
        double without, with;
        try (Trainer t = new Trainer(m, k, batch, steps, 1f, 1f, 1)) {
            without = t.forwardBackward(mb);
            t.setDropout(0.6f, 2);
            with = t.forwardBackward(mb);
        }
        double evaluated = new Evaluator(m, k, batch, steps).evaluate(ids).nats();
        assertEquals(without, evaluated, 1e-6 * without, "the evaluator's loss is the model's without dropout");
        assertTrue(Math.abs(with - without) > 1e-3, "dropout 0.6 must change the training loss: " + with + " vs " + without);
    }

    @Test
    void probabilitiesOutsideZeroToOneAreRefused() {
        RnnModel m = model("rnn", 1, 8, 1);
        try (Trainer t = new Trainer(m, KernelProvider.get(), 4, 5, 1f, 1f, 1)) {
            for (float p : new float[] {-0.01f, 1f, 2f, Float.NaN, Float.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.setDropout(p, 0));
                assertEquals("dropout must be at least 0 and below 1, not " + p, e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig(8, 4, 5, 1, 1f, 1f, false, 0, 1, p));
                assertEquals("--dropout must be at least 0 and below 1, not " + p, e.getMessage());
            }
            assertNull(t.dropout(), "a refused probability leaves dropout off");
        }
        assertEquals(0f, new TrainConfig(8, 4, 5, 1, 1f, 1f, false, 0, 1).dropout());
        for (float p : new float[] {0f, 1f, Float.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(p, 0));
            assertEquals("dropout must be above 0 and below 1, not " + p, e.getMessage(), "no dropout is a null Dropout");
        }
    }

    /** The memory budget counts the masked copies: one (steps, batch, hidden) block per layer. */
    @Test
    void footprintCountsTheMaskedCopies() {
        RnnModel m = model("gru", 3, 20, 1);
        Arena.Footprint off = Arena.footprint(m.layers(), 28, 20, 40, 7), on = Arena.footprint(m.layers(), 28, 20, 40, 7, true);
        assertEquals(3L * 7 * 40 * 20, on.arenaFloats() - off.arenaFloats());
        assertEquals(off, Arena.footprint(m.layers(), 28, 20, 40, 7, false));
    }
}
