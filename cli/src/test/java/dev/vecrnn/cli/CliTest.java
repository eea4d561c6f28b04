package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.TimeMachine;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.io.SafeTensors;
import dev.vecrnn.train.TrainConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The command line: parsing and validation without training, error reporting (exit codes, one-line
 * messages, no stack traces), and one small end-to-end train + predict.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CliTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\\R"));
        }

        List<String> outLines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\\R"));
        }

        @Override public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        Result r = new Result(code, out.toString(), err.toString());
        assertFalse(r.err.contains("Exception"), "no exception names on stderr: " + r);
        assertFalse(r.err.contains("\tat "), "no stack traces: " + r);
        return r;
    }

    /** Options that make an accidental training run fail fast instead of training d2l's full model. */
    String[] safe(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--corpus") && !all.contains("--data-dir")) all.addAll(List.of("--corpus", tmp.resolve("absent.txt").toString()));
        if (!all.contains("--save")) all.addAll(List.of("--save", tmp.resolve("never.safetensors").toString()));
        return all.toArray(String[]::new);
    }

    static void assertUsage(Result r) {
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertFalse(r.err().isBlank(), r.toString());
    }

    static void assertFailureOneLine(Result r) {
        assertEquals(ExitCode.FAILURE, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), "one line of error: " + r);
    }

    // ---- parsing without running ----

    static TrainCommand parseTrain(String... args) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void trainDefaultsAreD2ls() {
        TrainCommand cmd = parseTrain();
        TrainConfig c = cmd.config();
        assertEquals(512, c.hidden());
        assertEquals(32, c.batch());
        assertEquals(35, c.steps());
        assertEquals(500, c.epochs());
        assertEquals(1f, c.lr());
        assertEquals(1f, c.clip());
        assertFalse(c.randomIter(), "sequential partitioning by default");
        assertEquals(0L, c.seed());
        assertEquals(Runtime.getRuntime().availableProcessors(), c.threads());
        TrainConfig d = TrainConfig.defaults();
        assertEquals(List.of(d.hidden(), d.batch(), d.steps(), d.epochs()), List.of(c.hidden(), c.batch(), c.steps(), c.epochs()));
        assertEquals(10000, cmd.corpus.maxTokens, "load_data_time_machine's max_tokens");
        assertEquals(dev.vecrnn.data.Tokenization.CHAR, cmd.corpus.tokenization());
        assertEquals(null, cmd.corpus.corpus);
    }

    @Test
    void trainOptionsParse() {
        TrainConfig c = parseTrain("--hidden", "16", "--batch-size", "4", "--num-steps", "5", "--epochs", "3", "--lr", "0.5",
                "--clip", "2.5", "--random-iter", "--seed", "-7", "--threads", "3").config();
        assertEquals(new TrainConfig(16, 4, 5, 3, 0.5f, 2.5f, true, -7, 3), c);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--hidden=0", "--hidden=-3", "--hidden=16385", "--lr=NaN", "--lr=Infinity", "--lr=0", "--lr=-1",
            "--clip=0", "--clip=NaN", "--clip=Infinity", "--epochs=0", "--epochs=-1", "--batch-size=0", "--num-steps=0",
            "--threads=0", "--threads=-2", "--print-every=0"})
    void invalidValuesAreRefusedByConfig(String arg) {
        TrainCommand cmd = parseTrain(arg);
        UserException e = assertThrows(UserException.class, cmd::config);
        assertEquals(ExitCode.USAGE, e.exitCode);
        String option = arg.substring(0, arg.indexOf('='));
        assertTrue(e.getMessage().contains(option), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--hidden 0", "--hidden -3", "--hidden abc", "--hidden 1.5", "--lr NaN", "--lr Infinity", "--lr abc",
            "--epochs 0", "--batch-size 0", "--num-steps 0", "--threads 0", "--clip -1", "--max-tokens -1",
            "--tokenization bpe", "--bogus", "--hidden", "extra-positional"})
    void badTrainCommandLinesExitWithTwo(String args) {
        Result r = run(safe(("train " + args).split(" ")));
        assertUsage(r);
        assertTrue(r.errLines().size() <= 2, r.toString());
        assertTrue(r.errLines().get(0).startsWith("vecrnn"), r.toString());
    }

    @Test
    void unknownOptionGivesOneErrorLineAndATryLine() {
        Result r = run("train", "--no-such-option");
        assertEquals(ExitCode.USAGE, r.code());
        assertEquals(2, r.errLines().size(), r.toString());
        assertTrue(r.errLines().get(0).contains("--no-such-option"), r.toString());
        assertTrue(r.errLines().get(1).startsWith("Try "), r.toString());
        assertTrue(r.errLines().get(1).contains("--help"), r.toString());
        assertEquals("", r.out());
        Result top = run("--no-such-option");
        assertEquals(ExitCode.USAGE, top.code());
        assertEquals(2, top.errLines().size(), top.toString());
        assertTrue(top.errLines().get(1).startsWith("Try "), top.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        Result r = run();
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("train"), r.toString());
        assertEquals(ExitCode.USAGE, run("frobnicate").code());
    }

    @Test
    void versionAndHelp() {
        Result v = run("--version");
        assertEquals(ExitCode.OK, v.code(), v.toString());
        assertTrue(v.outLines().get(0).matches("vecrnn \\d+\\.\\d+\\.\\d+.*"), v.toString());
        assertTrue(v.out().contains("kernels"), v.toString());
        Result top = run("--help");
        assertEquals(ExitCode.OK, top.code());
        assertTrue(top.out().contains("train") && top.out().contains("predict"), top.toString());
        Result train = run("train", "--help");
        assertEquals(ExitCode.OK, train.code(), train.toString());
        for (String opt : List.of("--hidden", "--batch-size", "--num-steps", "--epochs", "--lr", "--clip", "--corpus", "--save", "--threads")) {
            assertTrue(train.out().contains(opt), opt + " in\n" + train.out());
        }
        assertTrue(train.out().contains("512"), "defaults are shown");
        Result predict = run("predict", "--help");
        assertEquals(ExitCode.OK, predict.code(), predict.toString());
        assertTrue(predict.out().contains("--prefix") && predict.out().contains("--num-preds") && predict.out().contains("--model"));
        assertEquals(ExitCode.OK, run("help", "train").code());
    }

    // ---- the corpus ----

    @Test
    void missingCorpusFileNamesIt() {
        Path missing = tmp.resolve("missing.txt");
        Result r = run(safe("train", "--corpus", missing.toString(), "--hidden", "8", "--epochs", "1"));
        assertFailureOneLine(r);
        assertTrue(r.err().contains(missing.toString()), r.toString());
    }

    @Test
    void corpusThatIsAFolder() {
        Result r = run(safe("train", "--corpus", tmp.toString(), "--hidden", "8", "--epochs", "1"));
        assertFailureOneLine(r);
        assertTrue(r.err().contains("folder"), r.toString());
    }

    @Test
    void emptyCorpus() throws IOException {
        Path f = Files.createFile(tmp.resolve("empty.txt"));
        Result r = run(safe("train", "--corpus", f.toString(), "--hidden", "8", "--epochs", "1"));
        assertFailureOneLine(r);
        assertTrue(r.err().contains("empty"), r.toString());
    }

    @Test
    void corpusWithoutLetters() throws IOException {
        Path f = Files.writeString(tmp.resolve("digits.txt"), "1234 5678\n!!!\n");
        Result r = run(safe("train", "--corpus", f.toString(), "--hidden", "8", "--epochs", "1"));
        assertFailureOneLine(r);
    }

    @Test
    void nonUtf8Corpus() throws IOException {
        Path f = Files.write(tmp.resolve("bad.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x00});
        Result r = run(safe("train", "--corpus", f.toString(), "--hidden", "8", "--epochs", "1"));
        assertFailureOneLine(r);
        assertTrue(r.err().contains("UTF-8"), r.toString());
    }

    @Test
    void corpusTooShortForOneMinibatch() throws IOException {
        Path f = Files.writeString(tmp.resolve("short.txt"), "hello world\n");
        Result r = run("train", "--corpus", f.toString(), "--hidden", "8", "--epochs", "1", "--threads", "1",
                "--save", tmp.resolve("m.safetensors").toString());
        assertNotEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.err().contains("too few") && r.err().contains("--batch-size"), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertFalse(Files.exists(tmp.resolve("m.safetensors")), "nothing is saved");
    }

    @Test
    void dataDirWithAWrongCopyNamesItsSha1() throws IOException {
        byte[] bytes = "The Time Machine, abridged.\n".getBytes(StandardCharsets.UTF_8);
        Files.write(tmp.resolve("timemachine.txt"), bytes);
        Result r = run("train", "--data-dir", tmp.toString(), "--hidden", "8", "--epochs", "1", "--threads", "1",
                "--save", tmp.resolve("m.safetensors").toString());
        assertFailureOneLine(r);
        assertTrue(r.err().contains(TimeMachine.sha1(bytes)), r.toString());
        assertTrue(r.err().contains(TimeMachine.SHA1), r.toString());
    }

    @Test
    void dataDirWithoutTheFile() {
        Result r = run("train", "--data-dir", tmp.resolve("nowhere").toString(), "--hidden", "8", "--epochs", "1",
                "--save", tmp.resolve("m.safetensors").toString());
        assertFailureOneLine(r);
        assertTrue(r.err().contains("timemachine.txt"), r.toString());
    }

    @Test
    void saveIntoAMissingFolderIsRefusedBeforeTraining() {
        // With an absent corpus: if --save were checked after loading it, the exit code would be 1.
        Result r = run("train", "--save", tmp.resolve("no/such/dir/m.safetensors").toString(), "--hidden", "8",
                "--corpus", tmp.resolve("absent.txt").toString());
        assertUsage(r);
        assertTrue(r.err().contains("does not exist"), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        Result folder = run("train", "--save", tmp.toString(), "--corpus", tmp.resolve("absent.txt").toString());
        assertUsage(folder);
    }

    @Test
    void aSaveNameTooLongForTheFileSystemIsRefusedBeforeTraining() {
        Result r = run("train", "--save", tmp.resolve("m".repeat(300) + ".safetensors").toString(), "--hidden", "8",
                "--corpus", tmp.resolve("absent.txt").toString());
        assertUsage(r);
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("too long"), r.toString());
    }

    // ---- predict errors ----

    @Test
    void predictWithAMissingModel() {
        Path missing = tmp.resolve("missing.safetensors");
        Result r = run("predict", "--model", missing.toString());
        assertFailureOneLine(r);
        assertTrue(r.err().contains(missing.toString()), r.toString());
        assertFailureOneLine(run("predict", "--model", tmp.toString()));
    }

    @Test
    void predictWithATruncatedOrGarbageModel() throws IOException {
        Path good = trainSmall(tmp.resolve("good.safetensors"), 1);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(tmp.resolve("truncated.safetensors"), Arrays.copyOf(bytes, bytes.length - 10));
        Path half = Files.write(tmp.resolve("half.safetensors"), Arrays.copyOf(bytes, 40));
        Path garbage = Files.write(tmp.resolve("garbage.safetensors"), "this is not a model\n\n\n".getBytes(StandardCharsets.UTF_8));
        byte[] random = new byte[1000];
        new java.util.Random(1).nextBytes(random);
        Path noise = Files.write(tmp.resolve("noise.safetensors"), random);
        Path empty = Files.write(tmp.resolve("empty.safetensors"), new byte[0]);
        // A model whose vocabulary is broken JSON.
        SafeTensors.Contents c = SafeTensors.read(good);
        Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
        meta.put("idx_to_token", "[\"<unk>\", \"a\"");
        Path badVocab = Files.write(tmp.resolve("badvocab.safetensors"), SafeTensors.serialize(c.tensors(), meta));
        for (Path p : List.of(truncated, half, garbage, noise, empty, badVocab)) {
            Result r = run("predict", "--model", p.toString(), "--prefix", "time");
            assertFailureOneLine(r);
            assertTrue(r.err().contains(p.toString()), r.toString());
            assertEquals("", r.out(), r.toString());
        }
    }

    @Test
    void predictUsageErrors() throws IOException {
        Path model = trainSmall(tmp.resolve("m.safetensors"), 1);
        assertUsage(run("predict", "--model", model.toString(), "--prefix", ""));
        assertUsage(run("predict", "--model", tmp.resolve("missing").toString(), "--prefix", ""));
        assertUsage(run("predict", "--model", model.toString(), "--num-preds", "-1"));
        assertUsage(run("predict", "--model", model.toString(), "--num-preds", "ten"));
        assertUsage(run("predict", "--model", model.toString(), "--bogus"));
    }

    // ---- end to end ----

    /** Trains the smallest useful model on the shared Time Machine (via VECRNN_DATA_DIR) or a --corpus. */
    Path trainSmall(Path save, int threads, String... extra) {
        return trainSmall(save, threads, 4, extra);
    }

    Path trainSmall(Path save, int threads, int batch, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--hidden", "16", "--epochs", "3", "--batch-size", Integer.toString(batch),
                "--num-steps", "5", "--threads", Integer.toString(threads), "--save", save.toString()));
        args.addAll(List.of(extra));
        Result r = run(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, r.code(), r.toString());
        return save;
    }

    /** The shared, verified copy of The Time Machine: $VECRNN_DATA_DIR as surefire sets it, else ../shared/data. */
    static Path sharedDataDir() {
        String env = System.getenv(TimeMachine.DATA_DIR_ENV);
        if (env != null && !env.isBlank()) return Path.of(env);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("data");
            if (Files.isRegularFile(candidate.resolve(TimeMachine.FILE_NAME))) return candidate;
        }
        throw new IllegalStateException("set " + TimeMachine.DATA_DIR_ENV + " to the folder of the shared timemachine.txt");
    }

    @Test
    void trainThenPredict() throws IOException {
        Path save = tmp.resolve("m.safetensors");
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(new String[] {"train", "--data-dir", sharedDataDir().toString(), "--hidden", "16",
                "--epochs", "3", "--batch-size", "4", "--num-steps", "5", "--threads", "1", "--save", save.toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        Result r = new Result(code, out.toString(), err.toString());
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.toString());
        assertTrue(r.outLines().get(0).contains("10,000 tokens") && r.outLines().get(0).contains("vocab 28"), r.toString());
        List<String> summary = r.outLines().stream().filter(l -> l.startsWith("perplexity ")).toList();
        assertEquals(1, summary.size(), r.toString());
        assertTrue(summary.get(0).contains("tokens/sec on cpu"), r.toString());
        double ppl = Double.parseDouble(summary.get(0).substring("perplexity ".length(), summary.get(0).indexOf(',')));
        assertTrue(ppl > 1 && ppl < 28, "after 3 epochs the perplexity is below the vocabulary size: " + ppl);
        assertTrue(r.outLines().stream().anyMatch(l -> l.startsWith("epoch 3/3")), r.toString());
        assertTrue(Files.isRegularFile(save));

        Checkpoint.Loaded loaded = Checkpoint.load(save);
        assertEquals(16, loaded.model().hidden());
        assertEquals(28, loaded.model().vocab().size());
        assertEquals("3", loaded.metadata().get("epochs"));

        Result p = run("predict", "--model", save.toString(), "--prefix", "time", "--num-preds", "10");
        assertEquals(ExitCode.OK, p.code(), p.toString());
        assertEquals(1, p.outLines().size(), p.toString());
        String line = p.outLines().get(0);
        assertTrue(line.startsWith("time"), line);
        assertEquals(14, line.length(), "the prefix and 10 characters: '" + line + "'");
        assertEquals("", p.err());
        Result zero = run("predict", "--model", save.toString(), "--prefix", "time", "--num-preds", "0");
        assertEquals("time", zero.outLines().get(0));
    }

    @Test
    void trainOnAGivenCorpusAndThreadCountDoesNotChangeTheModel() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 60; i++) text.append("The quick brown fox jumps over the lazy dog, ").append(i).append(" times.\n");
        Path corpus = Files.writeString(tmp.resolve("fox.txt"), text);
        Path one = trainSmall(tmp.resolve("one.safetensors"), 1, 20, "--corpus", corpus.toString(), "--quiet");
        Path two = trainSmall(tmp.resolve("two.safetensors"), 2, 20, "--corpus", corpus.toString(), "--quiet");
        SafeTensors.Contents a = SafeTensors.read(one), b = SafeTensors.read(two);
        for (String n : List.of("W_xh", "W_hh", "b_h", "W_hq", "b_q")) {
            assertArrayEquals(a.tensors().get(n).floats(), b.tensors().get(n).floats(), n + ": 1 and 2 threads give the same bits");
        }
        Result p = run("predict", "--model", one.toString(), "--prefix", "the quick", "--num-preds", "5");
        assertEquals(ExitCode.OK, p.code(), p.toString());
        assertTrue(p.out().startsWith("the quick"), p.toString());
    }
}
