package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainingTest {
    static Corpus corpus;

    @BeforeAll
    static void load() throws IOException {
        corpus = Corpus.of(Files.readString(Fixtures.timeMachine()), Tokenization.CHAR, 10_000);
    }

    static RnnModel model(int hidden, long seed) {
        return new RnnModel(new RnnCell(), corpus.vocab(), Tokenization.CHAR, hidden).initialize(new Random(seed));
    }

    @Test
    void perplexityFallsOnTheTimeMachine() {
        RnnModel m = model(64, 1);
        List<Double> ppl = new ArrayList<>();
        TrainConfig cfg = new TrainConfig(64, 32, 35, 15, 1f, 1f, false, 1, 2);
        Training.run(m, corpus, cfg, KernelProvider.get(), (s, p) -> ppl.add(s.perplexity()));
        assertEquals(15, ppl.size());
        // A uniform guess over 28 tokens has perplexity 28; character frequencies alone reach about 17.
        assertTrue(ppl.get(0) < 28.5, "first epoch " + ppl);
        assertTrue(ppl.get(14) < 15, "after 15 epochs " + ppl);
        assertTrue(ppl.get(14) < ppl.get(0) - 8, "perplexity did not fall: " + ppl);
    }

    @Test
    void sameBitsForAnyThreadCount() {
        // batch 40 makes three chunks of 16, 16 and 8 sequences, so 2 and 3 threads split them differently.
        float[] reference = null;
        for (int threads : new int[] {1, 2, 3}) {
            for (boolean random : new boolean[] {false, true}) {
                RnnModel m = model(48, 7);
                TrainConfig cfg = new TrainConfig(48, 40, 20, 2, 1f, 1f, random, 3, threads);
                Training.run(m, corpus, cfg, KernelProvider.get(), (s, p) -> true);
                float[] p = m.params().data().clone();
                if (!random) {
                    if (reference == null) reference = p;
                    else assertArrayEquals(reference, p, "threads=" + threads);
                }
            }
        }
    }

    @Test
    void scalarAndVectorKernelsTrainAlike() {
        List<Kernels> all = KernelProvider.available();
        List<Double> finals = new ArrayList<>();
        for (Kernels k : all) {
            RnnModel m = model(32, 5);
            TrainConfig cfg = new TrainConfig(32, 16, 35, 3, 1f, 1f, false, 5, 1);
            finals.add(Training.run(m, corpus, cfg, k, (s, p) -> true).perplexity());
        }
        for (double p : finals) assertEquals(finals.get(0), p, 1e-3 * finals.get(0), "perplexities " + finals);
    }

    @Test
    void resumingFromAnEpochBoundaryGivesTheSameBits() {
        for (boolean random : new boolean[] {false, true}) {
            TrainConfig cfg = new TrainConfig(32, 16, 20, 6, 1f, 1f, random, 9, 2);
            RnnModel straight = model(32, 9);
            Training.run(straight, corpus, cfg, KernelProvider.get(), (s, p) -> true);

            RnnModel first = model(32, 9);
            Training.Progress[] at3 = new Training.Progress[1];
            Training.run(first, corpus, cfg, KernelProvider.get(), (s, p) -> {
                at3[0] = p;
                return s.epoch() < 3;
            });
            assertEquals(3, at3[0].epochsDone());
            RnnModel resumed = model(32, 12345); // different initial weights, overwritten by the "checkpoint"
            System.arraycopy(first.params().data(), 0, resumed.params().data(), 0, first.table().size());
            Training.run(resumed, corpus, cfg, KernelProvider.get(), at3[0], (s, p) -> true);
            assertArrayEquals(straight.params().data(), resumed.params().data(), "random=" + random);
        }
    }

    @Test
    void aDivergingLossStopsTraining() {
        RnnModel m = model(32, 1);
        TrainConfig cfg = new TrainConfig(32, 16, 20, 5, 1e6f, 1e30f, false, 1, 1);
        assertThrows(Training.DivergedException.class, () -> Training.run(m, corpus, cfg, KernelProvider.get(), (s, p) -> true));
    }

    @Test
    void tooShortACorpusIsRefused() {
        Corpus tiny = Corpus.of("a short text", Tokenization.CHAR, 0);
        RnnModel m = new RnnModel(new RnnCell(), tiny.vocab(), Tokenization.CHAR, 8).initialize(new Random(0));
        TrainConfig cfg = new TrainConfig(8, 32, 35, 1, 1f, 1f, false, 0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Training.run(m, tiny, cfg, KernelProvider.get(), (s, p) -> true));
        assertTrue(e.getMessage().contains("too few"), e.getMessage());
    }
}
