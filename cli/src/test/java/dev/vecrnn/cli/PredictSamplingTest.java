package dev.vecrnn.cli;

import static dev.vecrnn.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.Predictor;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code predict}'s sampling options, batches of samples, statistics and the prefix as typed. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PredictSamplingTest {
    @TempDir
    Path tmp;

    /** A 2-layer LSTM over The Time Machine's alphabet with weights of sd 0.5: its text depends on them all. */
    Path model() throws IOException {
        List<String> chars = new ArrayList<>(List.of(Vocab.UNK, " "));
        for (char c = 'a'; c <= 'z'; c++) chars.add(String.valueOf(c));
        RnnModel m = new RnnModel("lstm", 2, new Vocab(chars), Tokenization.CHAR, 48);
        Random r = new Random(12);
        float[] p = m.params().data();
        for (int i = 0; i < p.length; i++) p[i] = (float) (r.nextGaussian() * 0.5);
        Path file = tmp.resolve("m.safetensors");
        Checkpoint.save(m, Map.of(), file);
        return file;
    }

    @Test
    void badSamplingOptionsAreOneLineUsageErrors() {
        String missing = tmp.resolve("never-read.safetensors").toString();
        String[][] cases = {
            {"--temperature", "-1"}, {"--temperature", "NaN"}, {"--temperature", "-0.001"}, {"--temperature", "Infinity"},
            {"--top-k", "-1"}, {"--top-p", "0"}, {"--top-p", "1.5"}, {"--top-p", "-0.2"}, {"--top-p", "NaN"},
            {"--samples", "0"}, {"--samples", "-3"}, {"--samples", "1000000"},
        };
        for (String[] c : cases) {
            CliTest.Result r = run("predict", "--model", missing, c[0], c[1]);
            assertEquals(ExitCode.USAGE, r.code(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.err().startsWith("vecrnn predict: " + c[0] + " must be"), r.toString());
            assertEquals("", r.out(), r.toString());
        }
    }

    @Test
    void greedyByDefaultIsPredictCh8OnAnyThreadCount() throws IOException {
        Path file = model();
        String expected = new Predictor(Checkpoint.load(file).model(), KernelProvider.get()).predict("time traveller", 80) + "\n";
        for (String threads : new String[] {"1", "2", "3"}) {
            CliTest.Result r = run("predict", "--model", file.toString(), "--num-preds", "80", "--threads", threads);
            assertEquals(expected, r.out().replace(System.lineSeparator(), "\n"), r.toString());
            assertEquals("", r.err());
            CliTest.Result zero = run("predict", "--model", file.toString(), "--num-preds", "80", "--threads", threads,
                    "--temperature", "0", "--seed", "5", "--top-k", "3");
            assertEquals(r.out(), zero.out(), "temperature 0 is greedy whatever the other options");
        }
    }

    @Test
    void aSeedGivesTheSameTextOnAnyThreadCountAndInABatch() throws IOException {
        String file = model().toString();
        String[] sampled = {"predict", "--model", file, "--prefix", "the time", "--num-preds", "200", "--temperature", "0.8",
                "--top-k", "12", "--top-p", "0.95", "--seed", "9"};
        String one = null;
        for (String threads : new String[] {"1", "2", "3"}) {
            CliTest.Result r = run(concat(sampled, "--threads", threads));
            assertEquals(ExitCode.OK, r.code(), r.toString());
            if (one == null) one = r.out();
            assertEquals(one, r.out(), threads + " threads");
        }
        assertTrue(one.startsWith("the time") && one.strip().length() == "the time".length() + 200, one);
        assertNotEquals(one, run(concat(sampled, "--seed", "10")).out(), "another seed, another text");
        assertNotEquals(one, run("predict", "--model", file, "--prefix", "the time", "--num-preds", "200").out(), "not greedy");

        CliTest.Result four = run(concat(sampled, "--samples", "4", "--threads", "2"));
        assertEquals(ExitCode.OK, four.code(), four.toString());
        List<String> lines = four.outLines();
        assertEquals(4, lines.size(), four.toString());
        assertEquals(one.strip(), lines.get(0), "sample 0 of 4 is the single sample");
        for (String l : lines) assertTrue(l.startsWith("the time") && l.length() == "the time".length() + 200, l);
        assertTrue(lines.stream().distinct().count() > 1, "the samples differ: " + lines);
    }

    @Test
    void statsComeLastOnStderr() throws IOException {
        String file = model().toString();
        CliTest.Result r = run("predict", "--model", file, "--prefix", "Time!", "--num-preds", "30", "--samples", "3",
                "--temperature", "1", "--stats");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        List<String> err = r.errLines();
        assertEquals(2, err.size(), r.toString());
        assertTrue(err.get(1).matches("generated 90 tokens in \\d+\\.\\d{3} s, \\d+\\.\\d tokens/sec"), r.toString());
    }

    @Test
    void thePrefixIsPrintedAsTypedAndUnknownCharactersAreNamedOnce() throws IOException {
        String file = model().toString();
        CliTest.Result r = run("predict", "--model", file, "--prefix", "Time, Traveller!", "--num-preds", "10");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.out().startsWith("Time, Traveller!"), r.toString());
        assertEquals("Time, Traveller!".length() + 10, r.outLines().get(0).length(), r.toString());
        assertEquals(List.of("vecrnn predict: not in the model's vocabulary, fed as <unk>: 'T', ',', '!'"), r.errLines());
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
