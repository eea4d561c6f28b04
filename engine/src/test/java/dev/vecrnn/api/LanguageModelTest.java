package dev.vecrnn.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Preprocessing;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.Predictor;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.Evaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The facade against the engine it wraps: d2l's greedy prediction, the evaluator, and its refusals. */
class LanguageModelTest {
    static String timeMachine;
    static LanguageModel trained;

    @BeforeAll
    static void train() throws IOException {
        timeMachine = Files.readString(Fixtures.timeMachine());
        trained = LanguageModel.trainer().corpus(timeMachine).maxTokens(3000).hidden(24).batchSize(8).steps(10).epochs(3)
                .threads(1).train();
    }

    @Test
    void loadedGreedyTextIsD2lsPredictCh8(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("m.safetensors");
        trained.save(file);
        LanguageModel loaded = LanguageModel.load(file);
        String expected = new Predictor(loaded.model(), KernelProvider.get()).predict("time traveller", 50);
        assertEquals(expected, loaded.generate("time traveller", 50));
        assertEquals(expected, loaded.withThreads(2).generate("time traveller", 50, Sampling.greedy()));
        assertEquals(expected, trained.generate("time traveller", 50), "saving and loading changes nothing");
        assertEquals("time traveller", loaded.generate("time traveller", 0));
        assertEquals(List.of(expected, expected), loaded.generate("time traveller", 50, Sampling.greedy(), 2));
        assertEquals(trained.vocabulary(), loaded.vocabulary());
        assertEquals("rnn", loaded.cellType());
        assertEquals(1, loaded.layers());
        assertEquals(24, loaded.hidden());
        assertEquals("d2l", loaded.preprocessing());
        assertEquals("char", loaded.tokenization());
        assertEquals(loaded.vocabulary().size(), loaded.vocabularySize());
    }

    @Test
    void streamingHandsOverEveryTokenAndSampleZeroIsTheSingleSample() {
        Sampling s = Sampling.greedy().withTemperature(0.9).withTopK(10).withSeed(3);
        List<String> pieces = new ArrayList<>();
        String one = trained.generate("the time", 40, s, pieces::add);
        assertEquals(40, pieces.size());
        assertEquals("the time" + String.join("", pieces), one);
        List<String> three = trained.withThreads(2).generate("the time", 40, s, 3);
        assertEquals(one, three.get(0), "sample 0 does not depend on the samples beside it");
        assertNotEquals(three.get(1), three.get(2), "samples are independent");
        assertNotEquals(one, trained.generate("the time", 40), "not greedy");
    }

    @Test
    void aWordModelSpacesItsWords() {
        String text = "the cat sat on the mat and the dog sat on the log ".repeat(40);
        LanguageModel words = LanguageModel.trainer().corpus(text).preprocessing("none").tokenization("word").maxTokens(0)
                .hidden(8).batchSize(2).steps(4).epochs(1).threads(1).train();
        List<String> pieces = new ArrayList<>();
        String out = words.generate("the  cat", 3, Sampling.greedy(), pieces::add);
        assertTrue(out.startsWith("the  cat "), out); // the prefix as given
        for (String p : pieces) assertTrue(p.startsWith(" ") && p.length() > 1, p);
        assertEquals(List.of("the", "cat"), words.tokenize("the  cat"));
    }

    @Test
    void evaluateIsTheEvaluatorOnTheModelsReadingOfTheText() {
        String text = timeMachine.substring(0, 20_000);
        RnnModel m = trained.model();
        int[] ids = Corpus.of(text, Preprocessing.D2L, Tokenization.CHAR, 0, m.vocab(), 0).ids();
        Evaluator.Result expected = new Evaluator(m, KernelProvider.get(), 4, 35).evaluate(ids);
        Evaluation e = trained.evaluate(text, 4);
        assertEquals(expected.nats(), e.nats());
        assertEquals(expected.bits(), e.bits());
        assertEquals(expected.perplexity(), e.perplexity());
        assertEquals(expected.tokens(), e.predictions());
        assertEquals(ids.length, e.tokens());
        assertEquals(4, e.streams());
        assertEquals(0, e.unknownCount(), "d2l's preprocessing keeps only letters the vocabulary has");
        // Without a count, the training batch size (8) recorded in the metadata.
        assertEquals(new Evaluator(m, KernelProvider.get(), 8, 35).evaluate(ids).nats(), trained.evaluate(text).nats());
        assertEquals(8, trained.evaluate(text).streams());
        // A short text gets fewer streams, never a refusal: 5 tokens make 2 streams.
        assertEquals(2, trained.evaluate("abcde").streams());
    }

    @Test
    void unknownTokensAreCountedInOrder() {
        String text = "the cat sat on the mat. ".repeat(30);
        LanguageModel raw = LanguageModel.trainer().corpus(text).preprocessing("none").maxTokens(0).hidden(8).batchSize(4).steps(5)
                .epochs(1).threads(1).train();
        Evaluation e = raw.evaluate("the mat ΩΩ! sat Ω", 1);
        assertEquals(Map.of("Ω", 3, "!", 1), e.unknownTokens());
        assertEquals(List.of("Ω", "!"), List.copyOf(e.unknownTokens().keySet()));
        assertEquals(4, e.unknownCount());
        assertThrows(UnsupportedOperationException.class, () -> e.unknownTokens().put("x", 1));
    }

    @Test
    void theValidationSplitIsTheOneTrainingMeasured() {
        List<EpochStats> seen = new ArrayList<>();
        LanguageModel m = LanguageModel.trainer().corpus(timeMachine).maxTokens(4000).validationFraction(0.2).hidden(16).batchSize(8)
                .steps(10).epochs(2).threads(1).onEpoch(seen::add).train();
        assertEquals(2, seen.size());
        double last = seen.get(1).validationLoss().orElseThrow();
        assertEquals(last, m.evaluateValidationSplit(timeMachine).nats());
        assertEquals(800, m.evaluateValidationSplit(timeMachine).tokens());
        assertThrows(IllegalStateException.class, () -> trained.evaluateValidationSplit(timeMachine), "no split to rebuild");
    }

    @Test
    void theListenerStopsTrainingEarly() {
        List<EpochStats> seen = new ArrayList<>();
        LanguageModel m = LanguageModel.trainer().corpus(timeMachine).maxTokens(2000).hidden(8).batchSize(4).steps(10).epochs(50)
                .threads(1).onEpoch(e -> {
                    seen.add(e);
                    return e.epoch() < 3;
                }).train();
        assertEquals(List.of(1, 2, 3), seen.stream().map(EpochStats::epoch).toList());
        EpochStats first = seen.get(0);
        assertEquals(50, first.epochs());
        assertEquals(Math.exp(first.loss()), first.perplexity(), 1e-9);
        assertTrue(first.tokensPerSecond() > 0 && first.validationLoss().isEmpty(), first.toString());
        assertEquals("3", m.metadata().get("epochs_trained"));
        assertEquals("50", m.metadata().get("epochs"));
    }

    @Test
    void theBuilderRunsTheEnginesTraining() {
        // The same run through the engine: the builder adds nothing and leaves nothing out.
        String text = timeMachine;
        LanguageModel viaApi = LanguageModel.trainer().corpus(text).maxTokens(2000).hidden(16).batchSize(4).steps(10).epochs(2)
                .optimizer("adam").lr(0.01).seed(5).threads(2).train();
        Corpus c = Corpus.of(text, Tokenization.CHAR, 2000);
        RnnModel m = new RnnModel("rnn", 1, c.vocab(), Tokenization.CHAR, 16).initialize(new java.util.Random(5));
        var cfg = new dev.vecrnn.train.TrainConfig(16, 4, 10, 2, 0.01f, 1f, false, 5, 1);
        var opt = dev.vecrnn.optim.Optimizers.create("adam", Map.of(), m.table());
        try (var t = new dev.vecrnn.train.Trainer(m, KernelProvider.get(), 4, 10, 0.01f, 1f, 1, opt)) {
            dev.vecrnn.train.Training.run(t, c, cfg, null, dev.vecrnn.train.Training.Progress.start(5), (s, p) -> true);
        }
        for (String name : List.of("W_xh", "W_hh", "b_h", "W_hq", "b_q")) {
            assertArrayEquals(m.tensor(name), viaApi.model().tensor(name), name);
        }
    }

    @Test
    void badInputsAreRefusedWithOneLineMessages(@TempDir Path tmp) throws IOException {
        ModelException missing = assertThrows(ModelException.class, () -> LanguageModel.load(tmp.resolve("nope.safetensors")));
        assertTrue(missing.getMessage().contains("does not exist") && !missing.getMessage().contains("\n"), missing.getMessage());
        assertTrue(assertThrows(ModelException.class, () -> LanguageModel.load(tmp)).getMessage().contains("folder"));
        Path junk = Files.writeString(tmp.resolve("junk.safetensors"), "not a model");
        assertTrue(assertThrows(ModelException.class, () -> LanguageModel.load(junk)).getMessage().startsWith(junk.toString()));

        assertTrue(assertThrows(IllegalArgumentException.class, () -> Sampling.greedy().withTemperature(-1)).getMessage()
                .startsWith("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 0, 0)).getMessage().startsWith("top-p"));
        assertThrows(IllegalArgumentException.class, () -> Sampling.greedy().withTopK(-1));
        assertThrows(IllegalArgumentException.class, () -> trained.generate("", 5));
        assertThrows(IllegalArgumentException.class, () -> trained.generate("time", -1));
        assertThrows(IllegalArgumentException.class, () -> trained.generate("time", 5, Sampling.greedy(), 0));
        assertThrows(IllegalArgumentException.class, () -> trained.withThreads(0));
        assertThrows(IllegalArgumentException.class, () -> trained.evaluate("a"), "one token makes no prediction");
        assertThrows(IllegalArgumentException.class, () -> trained.evaluate("time", 0));

        TrainingBuilder b = LanguageModel.trainer();
        assertEquals("no corpus: call corpus(text) or corpus(file) before train()",
                assertThrows(IllegalStateException.class, b::train).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.hidden(0)).getMessage().startsWith("hidden"));
        assertThrows(IllegalArgumentException.class, () -> b.cell("transformer"));
        assertThrows(IllegalArgumentException.class, () -> b.optimizer("lion"));
        assertThrows(IllegalArgumentException.class, () -> b.lr(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> b.dropout(1));
        assertThrows(IllegalArgumentException.class, () -> b.validationFraction(0.9));
        assertThrows(IllegalArgumentException.class, () -> b.preprocessing("lowercase"));
        assertThrows(IOException.class, () -> b.corpus(tmp.resolve("nope.txt")));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.corpus("1234 5678").train()).getMessage().contains("letters"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.corpus("aaaa").train()).getMessage().contains("distinct"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.corpus("ab".repeat(20)).train()).getMessage()
                .contains("too few for one minibatch"));
    }
}
