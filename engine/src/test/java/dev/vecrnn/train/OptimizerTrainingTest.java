package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.optim.Adam;
import dev.vecrnn.optim.AdamW;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.RmsProp;
import dev.vecrnn.optim.Schedule;
import dev.vecrnn.optim.Sgd;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The trainer with an optimizer other than d2l's SGD: same bits for any thread count, and SGD unchanged. */
class OptimizerTrainingTest {
    static Corpus corpus;
    static List<Minibatch> batches;

    @BeforeAll
    static void load() throws IOException {
        corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
        // batch 40 makes three chunks of 16, 16 and 8 sequences, so 2 and 3 threads split them differently.
        batches = new SequenceIterator(corpus.ids(), 40, 20, false, new Rng(3)).epoch();
    }

    static RnnModel model() {
        return new RnnModel(new RnnCell(), corpus.vocab(), Tokenization.CHAR, 48).initialize(new Random(7));
    }

    /** Trains {@code steps} minibatches under a warmup-cosine schedule; returns the final loss. */
    static double train(Trainer trainer, int steps) {
        Schedule schedule = Schedule.cosine(0.01, 3, steps, 0.001);
        double loss = 0;
        for (int s = 0; s < steps; s++) {
            trainer.setLr(schedule.lr(trainer.optimizerSteps()));
            loss = trainer.step(batches.get(s % batches.size()));
        }
        return loss;
    }

    @Test
    void adamGivesTheSameBitsForAnyThreadCount() {
        for (Function<RnnModel, Optimizer> make : List.<Function<RnnModel, Optimizer>>of(
                m -> new Adam(m.table()), m -> new AdamW(m.table()), m -> new RmsProp(m.table()))) {
            float[] params = null, state = null;
            for (int threads : new int[] {1, 2, 3}) {
                RnnModel m = model();
                try (Trainer trainer = new Trainer(m, KernelProvider.get(), 40, 20, 0.01f, 1f, threads, make.apply(m))) {
                    train(trainer, 8);
                    assertEquals(8, trainer.optimizerSteps());
                    Slab st = trainer.optimizerState();
                    float[] s = java.util.Arrays.copyOfRange(st.data(), st.base(), st.base() + st.size());
                    String what = trainer.optimizer() + " threads=" + threads;
                    int nonZero = 0;
                    for (float x : s) if (x != 0f) nonZero++;
                    assertTrue(nonZero > s.length / 2, what + ": the state was not updated (" + nonZero + " of " + s.length + " set)");
                    if (params == null) {
                        params = m.params().data().clone();
                        state = s;
                    } else {
                        assertArrayEquals(params, m.params().data(), what);
                        assertArrayEquals(state, s, what + " state");
                    }
                }
            }
        }
    }

    /** d2l's update as the trainer took it before there were optimizers: {@code p += (−lr·clipScale)·g}, one fma. */
    @Test
    void sgdTakesTheFormerUpdateBitForBit() {
        for (Kernels k : KernelProvider.available()) {
            RnnModel a = model(), b = model();
            float lr = 0.7f, clip = 1f;
            try (Trainer defaults = new Trainer(a, k, 40, 20, lr, clip, 2);
                 Trainer explicit = new Trainer(b, k, 40, 20, lr, clip, 1, new Sgd(b.table()))) {
                assertEquals("sgd", defaults.optimizer().name());
                assertEquals(0, defaults.optimizerState().size());
                for (int s = 0; s < 5; s++) {
                    Minibatch mb = batches.get(s);
                    defaults.forwardBackward(mb);
                    explicit.forwardBackward(mb);
                    float[] expected = a.params().data().clone();
                    Slab g = defaults.gradients();
                    defaults.update();
                    explicit.update();
                    double norm = defaults.lastGradNorm();
                    k.axpy(-lr * (norm > clip ? (float) (clip / norm) : 1f), g.data(), g.base(), expected, 0, expected.length);
                    assertArrayEquals(expected, a.params().data(), k.name() + " step " + s);
                    assertArrayEquals(expected, b.params().data(), k.name() + " explicit Sgd, step " + s);
                }
                assertTrue(defaults.lastGradNorm() > 0);
            }
        }
    }

    @Test
    void adamLowersTheLoss() {
        RnnModel m = model();
        try (Trainer trainer = new Trainer(m, KernelProvider.get(), 40, 20, 0.01f, 1f, 2, new Adam(m.table()))) {
            double first = trainer.step(batches.get(0));
            double last = train(trainer, 60);
            assertTrue(last < first - 0.5, "loss " + first + " -> " + last);
        }
    }

    @Test
    void theOptimizerMustFitTheModel() {
        RnnModel m = model();
        RnnModel other = new RnnModel(new RnnCell(), corpus.vocab(), Tokenization.CHAR, 32);
        assertThrows(IllegalArgumentException.class,
                () -> new Trainer(m, KernelProvider.scalar(), 40, 20, 0.01f, 1f, 1, new Adam(other.table())).close());
        try (Trainer t = new Trainer(m, KernelProvider.scalar(), 40, 20, 0.01f, 1f, 1, new Adam(m.table()))) {
            assertEquals(new Adam(m.table()).state(), t.optimizerState().table().specs());
            assertThrows(IllegalArgumentException.class, () -> t.setLr(Float.NaN));
            assertThrows(IllegalArgumentException.class, () -> t.setOptimizerSteps(-1));
            t.setOptimizerSteps(41);
            t.step(batches.get(0));
            assertEquals(42, t.optimizerSteps(), "a resumed count goes on from where it was");
        }
    }
}
