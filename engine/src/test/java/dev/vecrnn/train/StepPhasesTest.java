package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Rng;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.StepPhases.Phase;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A trainer counts its steps and the time of every phase; the first chunk's phases lie inside the chunks' phase. */
class StepPhasesTest {

    @Test
    void everyPhaseOfEveryStepIsTimed() throws IOException {
        Corpus corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
        List<Minibatch> batches = new SequenceIterator(corpus.ids(), 20, 10, false, new Rng(1)).epoch();
        RnnModel m = new RnnModel("lstm", 1, corpus.vocab(), Tokenization.CHAR, 32).initialize(new Random(3));
        try (Trainer t = new Trainer(m, KernelProvider.get(), 20, 10, 1f, 1f, 2)) {
            for (int i = 0; i < 3; i++) t.step(batches.get(i));
            StepPhases s = t.timings();
            assertEquals(3, s.steps());
            long inChunk = 0;
            for (Phase p : Phase.values()) {
                assertTrue(s.nanos(p) > 0, p + " was not timed");
                if (p.ordinal() >= Phase.FORWARD.ordinal()) inChunk += s.nanos(p);
            }
            assertTrue(inChunk <= s.nanos(Phase.CHUNKS), "the first chunk's phases lie inside the chunks' phase");
            s.reset();
            assertEquals(0, s.steps());
            assertEquals(0, s.nanos(Phase.PACK));
            t.forwardBackward(batches.get(3));
            assertEquals(0, s.steps(), "a step is counted by its update");
            assertTrue(s.nanos(Phase.PACK) > 0);
        }
    }
}
