package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Preprocessing;
import dev.vecrnn.data.Tokenization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --preprocess}, {@code --min-freq}, {@code --val-fraction} and the defaults that depend on {@code --corpus}, parsed without training. */
class CorpusOptionsTest {
    @TempDir
    Path tmp;

    static CorpusOptions parse(String... args) {
        return CliTest.parseTrain(args).corpus;
    }

    @Test
    void theTimeMachineIsReadAsD2lReadsIt() {
        CorpusOptions o = parse();
        assertEquals(Preprocessing.D2L, o.preprocessing());
        assertEquals(10_000, o.maxTokens);
        assertEquals(0.0, o.valFraction());
        assertEquals(0, o.minFreq);
        assertEquals("The Time Machine (d2l-preprocessed characters, first 10,000 tokens)", o.describe());
    }

    @Test
    void aCorpusFileIsReadRawWholeWithTenPercentHeldOut() {
        CorpusOptions o = parse("--corpus", "/data/tinyshakespeare.txt");
        assertEquals(Preprocessing.NONE, o.preprocessing());
        assertEquals(0, o.maxTokens);
        assertEquals(0.1, o.valFraction());
        assertEquals("tinyshakespeare.txt (raw characters, whole file)", o.describe());
    }

    @Test
    void givenOptionsWinInEitherOrder() {
        for (String[] args : new String[][] {
                {"--max-tokens", "500", "--corpus", "a.txt", "--preprocess", "d2l", "--val-fraction", "0", "--tokenization", "word"},
                {"--corpus", "a.txt", "--val-fraction", "0", "--preprocess", "D2L", "--max-tokens", "500", "--tokenization", "word"}}) {
            CorpusOptions o = parse(args);
            assertEquals(500, o.maxTokens);
            assertEquals(Preprocessing.D2L, o.preprocessing());
            assertEquals(0.0, o.valFraction());
            assertEquals("a.txt (d2l-preprocessed words, first 500 tokens)", o.describe());
        }
        CorpusOptions tm = parse("--max-tokens", "0", "--preprocess", "none", "--val-fraction", "0.5", "--min-freq", "3");
        assertEquals(0, tm.maxTokens);
        assertEquals(Preprocessing.NONE, tm.preprocessing());
        assertEquals(0.5, tm.valFraction());
        assertEquals(3, tm.minFreq);
        assertEquals("The Time Machine (raw characters, min-freq 3, whole file)", tm.describe());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--val-fraction=-0.1", "--val-fraction=0.51", "--val-fraction=1", "--val-fraction=NaN",
            "--preprocess=raw", "--min-freq=-1", "--max-tokens=-1", "--tokenization=bpe"})
    void badValuesAreUsageErrorsNamingTheOption(String arg) {
        for (String[] args : new String[][] {{arg}, {arg, "--corpus", "a.txt"}}) {
            UserException e = assertThrows(UserException.class, () -> parse(args).validate());
            assertEquals(ExitCode.USAGE, e.exitCode);
            assertTrue(e.getMessage().startsWith(arg.substring(0, arg.indexOf('='))), e.getMessage());
        }
    }

    @Test
    void aBadValueIsReportedBeforeTheCorpusIsRead() {
        CliTest.Result r = CliTest.run("train", "--corpus", tmp.resolve("absent.txt").toString(), "--val-fraction", "0.6",
                "--save", tmp.resolve("never.safetensors").toString());
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("--val-fraction must be between 0 and 0.5, not 0.6"), r.toString());
    }

    @Test
    void tinyShakespeareSplitsAsNanoGpt() {
        CorpusOptions o = parse("--corpus", CliTest.sharedDataDir().resolve("tinyshakespeare.txt").toString());
        Corpus c = o.load(o.text(), 32);
        assertEquals(1_003_854, c.ids().length);
        assertEquals(111_540, c.valIds().length);
        assertEquals("tinyshakespeare.txt (raw characters): vocab 66; 1,003,854 training + 111,540 validation tokens (whole file)",
                o.summary(c));
        CorpusOptions cut = parse("--corpus", CliTest.sharedDataDir().resolve("tinyshakespeare.txt").toString(), "--max-tokens", "1000");
        assertEquals("tinyshakespeare.txt (raw characters): vocab 66; 900 training + 100 validation tokens (first 1,000 of 1,115,394)",
                cut.summary(cut.load(cut.text(), 32)));
    }

    @Test
    void theTimeMachineLoadsAsBefore() {
        CorpusOptions o = parse("--data-dir", CliTest.sharedDataDir().toString());
        String text = o.text();
        Corpus c = o.load(text, 32);
        assertEquals(10_000, c.ids().length);
        assertEquals(0, c.valIds().length);
        assertEquals(Corpus.of(text, Tokenization.CHAR, 10_000).vocab().tokens(), c.vocab().tokens());
        assertEquals("The Time Machine (d2l-preprocessed characters): vocab 28; 10,000 training tokens (first 10,000 of 170,580)",
                o.summary(c));
    }

    Corpus load(String content, String... args) throws IOException {
        Path f = Files.writeString(tmp.resolve("c.txt"), content, StandardCharsets.UTF_8);
        String[] all = new String[args.length + 2];
        all[0] = "--corpus";
        all[1] = f.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        CorpusOptions o = parse(all);
        return o.load(o.text(), 4);
    }

    UserException failure(String content, String... args) {
        UserException e = assertThrows(UserException.class, () -> load(content, args));
        assertEquals(ExitCode.FAILURE, e.exitCode, e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void corporaThatCannotBeTrainedOnOrValidatedFailWithOneLine() {
        assertTrue(failure("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").getMessage()
                .endsWith("has one distinct character ('a'); a language model needs at least two"));
        assertTrue(failure("\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n").getMessage().contains("('\\n')"));
        assertTrue(failure("  \n\t  \n", "--tokenization", "word").getMessage().contains("has no words to train on"));
        assertTrue(failure("ab".repeat(40) + "c", "--min-freq", "50").getMessage()
                .startsWith("--min-freq 50 maps every token of"));
        assertTrue(failure("1234 5678\n!!!\n", "--preprocess", "d2l").getMessage().contains("has no letters to train on"));
        // 4 streams of 2 tokens need 8 validation tokens: 79 tokens at 0.1 hold out 8, 70 hold out 7.
        UserException small = failure("abcdefghij".repeat(7), "--val-fraction", "0.1");
        assertTrue(small.getMessage().contains("has 7 tokens, too few for --batch-size 4 streams of 2 tokens (8)"), small.getMessage());
    }

    @Test
    void theSmallestValidationSplitThatFitsIsAccepted() throws IOException {
        Corpus c = load("abcdefghij".repeat(7) + "klmnopqrs");
        assertEquals(8, c.valIds().length, "79 tokens: int(79 · 0.9) = 71 train, 8 validation");
        assertEquals(71, c.ids().length);
        Corpus noSplit = load("ab", "--val-fraction", "0");
        assertEquals(2, noSplit.ids().length, "without a split, batch streams are not asked of it");
    }

    @Test
    void aByteOrderMarkIsNotAToken() throws IOException {
        Path f = tmp.resolve("bom.txt");
        Files.write(f, "\uFEFFab\r\nba".getBytes(StandardCharsets.UTF_8));
        assertEquals("ab\r\nba", CorpusOptions.readUtf8(f));
        CorpusOptions o = parse("--corpus", f.toString(), "--val-fraction", "0");
        Corpus c = o.load(o.text(), 4);
        assertEquals(java.util.List.of("<unk>", "a", "b", "\n"), c.vocab().tokens());
    }
}
