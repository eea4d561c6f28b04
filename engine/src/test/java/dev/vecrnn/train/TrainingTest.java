package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

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

    static RnnModel model(String cell, int layers, int hidden, long seed) {
        return new RnnModel(cell, layers, corpus.vocab(), Tokenization.CHAR, hidden).initialize(new Random(seed));
    }

    /** The tanh RNN, and the gated cells and a deep stack narrower, since they do three to eight times its work per unit. */
    static Stream<Arguments> models() {
        return Stream.of(Arguments.of("rnn", 1, 48), Arguments.of("gru", 1, 32), Arguments.of("lstm", 1, 32),
                Arguments.of("gru-torch", 1, 32), Arguments.of("gru-torch", 2, 24),
                Arguments.of("lstm", 2, 24));
    }

    @ParameterizedTest(name = "{0} layers={1} hidden={2}")
    @MethodSource("models")
    void sameBitsForAnyThreadCount(String cell, int layers, int hidden) {
        // batch 40 makes three chunks of 16, 16 and 8 sequences, so 2 and 3 threads split them differently.
        for (boolean random : new boolean[] {false, true}) {
            float[] reference = null;
            for (int threads : new int[] {1, 2, 3}) {
                RnnModel m = model(cell, layers, hidden, 7);
                TrainConfig cfg = new TrainConfig(hidden, 40, 20, 2, 1f, 1f, random, 3, threads);
                Training.run(m, corpus, cfg, KernelProvider.get(), (s, p) -> true);
                float[] p = m.params().data().clone();
                if (reference == null) reference = p;
                else assertArrayEquals(reference, p, "random=" + random + " threads=" + threads);
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

    /**
     * As above for the gated cells and a deep stack, through the engine's own checkpoint: the first half's
     * parameters and {@link Training.Progress} go to a file as the CLI writes them, and a model loaded from it
     * continues. So a tensor the checkpoint drops or reorders shows, and so does state the epoch boundary fails
     * to clear (the LSTM's memory, a second layer's), which the straight run would carry and the resumed not.
     */
    @ParameterizedTest(name = "{0} layers={1}")
    @CsvSource({"gru, 1", "lstm, 1", "lstm, 2"})
    void resumingFromACheckpointGivesTheSameBits(String cell, int layers, @TempDir Path dir) throws IOException {
        int hidden = layers == 1 ? 32 : 24;
        for (boolean random : new boolean[] {false, true}) {
            TrainConfig cfg = new TrainConfig(hidden, 16, 20, 4, 1f, 1f, random, 9, 2);
            RnnModel straight = model(cell, layers, hidden, 9);
            Training.run(straight, corpus, cfg, KernelProvider.get(), (s, p) -> true);

            RnnModel first = model(cell, layers, hidden, 9);
            Path file = dir.resolve(cell + layers + "-" + random + ".safetensors");
            Training.run(first, corpus, cfg, KernelProvider.get(), (s, p) -> {
                if (s.epoch() < 2) return true;
                try {
                    Checkpoint.save(first, Map.of("epochs_done", Integer.toString(p.epochsDone()),
                            "rng_state", Long.toString(p.rngState())), file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return false;
            });
            Checkpoint.Loaded saved = Checkpoint.load(file);
            RnnModel resumed = saved.model();
            assertEquals(cell, resumed.cellType());
            assertEquals(layers, resumed.numLayers());
            Training.Progress at = new Training.Progress(Integer.parseInt(saved.metadata().get("epochs_done")),
                    Long.parseLong(saved.metadata().get("rng_state")));
            assertEquals(2, at.epochsDone());
            Training.run(resumed, corpus, cfg, KernelProvider.get(), at, (s, p) -> true);
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
