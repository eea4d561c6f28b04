package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Rng;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.optim.Sgd;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A step zeroes only the gradients it adds to and lets the weights' products set the others whole: whatever the
 * gradient buffers held before (here NaN everywhere), a step's gradients must be the ones a fresh trainer computes.
 * A cell whose backward added to a gradient it declares set whole ({@code Cell#gradientsSetWhole}) fails here.
 */
class GradientZeroingTest {
    static Corpus corpus;

    @BeforeAll
    static void load() throws IOException {
        corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
    }

    @ParameterizedTest(name = "{0} layers={1} batch={2} threads={3}")
    @CsvSource({"rnn,1,16,1", "rnn,1,40,2", "gru,1,16,2", "gru-torch,1,20,1", "lstm,1,16,1", "lstm,2,40,3", "gru,2,16,1"})
    void aStepsGradientsIgnoreWhatTheBuffersHeld(String cell, int layers, int batch, int threads) {
        Minibatch mb = new SequenceIterator(corpus.ids(), batch, 9, false, new Rng(3)).epoch().get(1);
        RnnModel m = new RnnModel(cell, layers, corpus.vocab(), Tokenization.CHAR, 40).initialize(new Random(2));
        try (Trainer t = new Trainer(m, KernelProvider.get(), batch, 9, 1f, 1f, threads, new Sgd(m.table()), 0)) {
            t.forwardBackward(mb);
            float[] fresh = grads(t.gradients());
            Arena a = t.arena();
            assertSame(a.grads, a.chunkGrads[0], "the first chunk writes into the summed gradients");
            fill(a.grads);
            for (Slab g : a.chunkGrads) fill(g);
            t.resetState();
            t.forwardBackward(mb);
            assertArrayEquals(fresh, grads(t.gradients()));
        }
    }

    private static void fill(Slab s) {
        Arrays.fill(s.data(), s.base(), s.base() + s.size(), Float.NaN);
    }

    private static float[] grads(Slab s) {
        return Arrays.copyOfRange(s.data(), s.base(), s.base() + s.size());
    }
}
