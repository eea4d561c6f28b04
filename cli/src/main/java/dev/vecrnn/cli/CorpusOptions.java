package dev.vecrnn.cli;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Preprocessing;
import dev.vecrnn.data.TimeMachine;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.train.Evaluator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Where the text comes from, how it becomes tokens, and how much of it is held out for validation.
 *
 * <p>Some defaults depend on the source: The Time Machine is read as d2l reads it (letters only,
 * lower-cased, the first 10,000 tokens, no validation split), a {@code --corpus} file as nanoGPT's
 * {@code shakespeare_char} reads its text (every character a token, the whole file, the last 10% held out).
 * An option the user gives always wins; picocli sees a null default and {@link #preprocessing()} and
 * {@link #valFraction()} resolve it. {@link #maxTokens} is resolved as soon as either option arrives, because
 * commands read the field directly.
 */
public final class CorpusOptions {
    /** d2l's {@code load_data_time_machine(max_tokens=10000)}. */
    static final int TIME_MACHINE_MAX_TOKENS = 10_000;
    /** nanoGPT's {@code shakespeare_char}: first 90% train, last 10% val. */
    static final double CORPUS_VAL_FRACTION = 0.1;
    /** Beyond half, the model would be trained on less text than it is judged on. */
    static final double MAX_VAL_FRACTION = 0.5;

    /** The --corpus file, or null for The Time Machine. */
    Path corpus;

    /** Tokens to keep, resolved: the --max-tokens value, else 10000 for The Time Machine and 0 (all) for a file. */
    int maxTokens = TIME_MACHINE_MAX_TOKENS;

    private Integer maxTokensGiven;

    @Option(names = "--corpus", paramLabel = "FILE",
            description = "Train on this UTF-8 text file instead of The Time Machine (no hash check). Its defaults: "
                    + "--preprocess none, --max-tokens 0 (the whole file), --val-fraction " + CORPUS_VAL_FRACTION + ".")
    void corpus(Path file) {
        corpus = file;
        resolveMaxTokens();
    }

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder holding timemachine.txt (default: $" + TimeMachine.DATA_DIR_ENV + ", else the per-user cache).")
    Path dataDir;

    @Option(names = "--data-url", paramLabel = "URL",
            description = "Where to download The Time Machine when the cache is empty (default: $" + TimeMachine.DATA_URL_ENV
                    + ", else d2l's URL). file: URLs work.")
    String dataUrl;

    @Option(names = "--preprocess", paramLabel = "d2l|none",
            description = "d2l: letters only, lower-cased, line ends dropped (d2l's read_time_machine); none: the text as it "
                    + "is, case, digits, punctuation, tabs and newlines kept (CRLF and CR read as newline). "
                    + "Default: d2l for The Time Machine, none with --corpus.")
    String preprocess;

    @Option(names = "--tokenization", paramLabel = "char|word", defaultValue = "char",
            description = "Tokens: characters (Unicode code points; d2l 8.5) or whitespace-separated words. Default: ${DEFAULT-VALUE}.")
    String tokenization;

    @Option(names = "--max-tokens", paramLabel = "N",
            description = "Keep the first N tokens, before the validation split; 0 keeps all. "
                    + "Default: " + TIME_MACHINE_MAX_TOKENS + " for The Time Machine (load_data_time_machine), 0 with --corpus.")
    void maxTokens(int n) {
        maxTokensGiven = n;
        resolveMaxTokens();
    }

    @Option(names = "--min-freq", paramLabel = "N", defaultValue = "0",
            description = "Tokens seen fewer than N times in the text become <unk> (d2l's Vocab min_freq). Default: ${DEFAULT-VALUE}.")
    int minFreq;

    @Option(names = "--val-fraction", paramLabel = "F",
            description = "Hold out the last F of the tokens (0 to " + MAX_VAL_FRACTION + ") to measure validation loss; "
                    + "the vocabulary comes from the whole text. Default: " + CORPUS_VAL_FRACTION
                    + " with --corpus (nanoGPT's split), 0 for The Time Machine.")
    Double valFraction;

    private void resolveMaxTokens() {
        maxTokens = maxTokensGiven != null ? maxTokensGiven : corpus != null ? 0 : TIME_MACHINE_MAX_TOKENS;
    }

    Tokenization tokenization() {
        try {
            return Tokenization.parse(tokenization);
        } catch (IllegalArgumentException e) {
            throw UserException.usage("--tokenization: " + e.getMessage());
        }
    }

    Preprocessing preprocessing() {
        if (preprocess == null) return corpus != null ? Preprocessing.NONE : Preprocessing.D2L;
        try {
            return Preprocessing.parse(preprocess);
        } catch (IllegalArgumentException e) {
            throw UserException.usage("--preprocess: " + e.getMessage());
        }
    }

    double valFraction() {
        double f = valFraction != null ? valFraction : corpus != null ? CORPUS_VAL_FRACTION : 0;
        if (!(f >= 0 && f <= MAX_VAL_FRACTION)) {
            throw UserException.usage("--val-fraction must be between 0 and " + MAX_VAL_FRACTION + ", not " + f);
        }
        return f;
    }

    /** Checks every value without touching the corpus: usage errors only. */
    void validate() {
        if (maxTokens < 0) throw UserException.usage("--max-tokens must be 0 (all) or positive, not " + maxTokens);
        if (minFreq < 0) throw UserException.usage("--min-freq must be 0 or positive, not " + minFreq);
        tokenization();
        preprocessing();
        valFraction();
    }

    /** The source and how it is read, for the first line of output, e.g. {@code tinyshakespeare.txt (raw characters, whole file)}. */
    String describe() {
        return name() + " (" + reading(preprocessing(), tokenization(), minFreq) + ", "
                + (maxTokens > 0 ? String.format(Locale.ROOT, "first %,d tokens", maxTokens) : "whole file") + ")";
    }

    /**
     * What was loaded, e.g. {@code tinyshakespeare.txt (raw characters): vocab 66; 1,003,854 training + 111,540
     * validation tokens (whole file)}. It reads the corpus, not the options, so it is right on a resumed run too.
     */
    String summary(Corpus c) {
        String split = c.valIds().length > 0
                ? String.format(Locale.ROOT, "%,d training + %,d validation tokens", c.ids().length, c.valIds().length)
                : String.format(Locale.ROOT, "%,d training tokens", c.ids().length);
        String extent = c.tokens() < c.tokensBeforeTruncation()
                ? String.format(Locale.ROOT, "first %,d of %,d", c.tokens(), c.tokensBeforeTruncation()) : "whole file";
        return String.format(Locale.ROOT, "%s (%s): vocab %d; %s (%s)", name(),
                reading(c.preprocessing(), c.tokenization(), minFreq), c.vocab().size(), split, extent);
    }

    String name() {
        if (corpus == null) return "The Time Machine";
        Path file = corpus.getFileName();
        return file != null ? file.toString() : corpus.toString();
    }

    private static String reading(Preprocessing p, Tokenization t, int minFreq) {
        String what = (p == Preprocessing.D2L ? "d2l-preprocessed " : "raw ") + (t == Tokenization.CHAR ? "characters" : "words");
        return minFreq > 1 ? what + ", min-freq " + minFreq : what;
    }

    /** The raw text: the --corpus file, or The Time Machine, verified. */
    String text() {
        validate();
        return corpus != null ? readUtf8(corpus) : timeMachine();
    }

    /**
     * d2l's preprocessing and no validation split, whatever the options say: what {@code train} did before
     * the split existed, kept until it calls {@link #load(String, int)}.
     */
    Corpus load(String text, int maxTokens, Tokenization tok) {
        return checked(Corpus.of(text, tok, maxTokens), 0);
    }

    /** The corpus as the options ask; {@code batch} streams must fit in the validation split. */
    Corpus load(String text, int batch) {
        return load(text, preprocessing(), tokenization(), maxTokens, minFreq, valFraction(), batch);
    }

    /**
     * The corpus with these settings (a resumed run passes its checkpoint's), or a one-line failure when it
     * cannot be trained on or validated with {@code batch} streams ({@link Evaluator#minTokens}).
     */
    Corpus load(String text, Preprocessing p, Tokenization tok, int maxTokens, int minFreq, double valFraction, int batch) {
        return checked(Corpus.of(text, p, tok, maxTokens, minFreq, valFraction), valFraction > 0 ? batch : 0);
    }

    /** The text with a model's vocabulary ({@code --vocab-from}): its tokens the vocabulary lacks become {@code <unk>}. */
    Corpus load(String text, Preprocessing p, Tokenization tok, int maxTokens, Vocab vocab, double valFraction, int batch) {
        return checked(Corpus.of(text, p, tok, maxTokens, vocab, valFraction), valFraction > 0 ? batch : 0);
    }

    private Corpus checked(Corpus c, int batch) {
        String source = corpus != null ? corpus.toString() : "the corpus";
        if (c.preprocessing() == Preprocessing.D2L && c.tokens() == 0) {
            throw UserException.failure(source + " has no letters to train on: "
                    + "preprocessing keeps only A-Z and a-z");
        }
        if (c.tokens() == 0) {
            throw UserException.failure(source + " has no " + (c.tokenization() == Tokenization.WORD
                    ? "words to train on: it is all whitespace" : "characters to train on"));
        }
        if (c.distinctTokens() < 2) {
            String only = c.vocab().token(c.ids().length > 0 ? c.ids()[0] : c.valIds()[0]);
            throw UserException.failure(only.equals(Vocab.UNK) && minFreq > 1
                    ? "--min-freq " + minFreq + " maps every token of " + source + " to " + Vocab.UNK + "; lower it"
                    : source + " has one distinct " + (c.tokenization() == Tokenization.WORD ? "word" : "character")
                      + " (" + quote(only) + "); a language model needs at least two");
        }
        if (batch > 0 && c.valIds().length < Evaluator.minTokens(batch)) {
            throw UserException.failure(String.format(Locale.ROOT, "the validation split of %s has %,d tokens, too few for "
                    + "--batch-size %d streams of 2 tokens (%,d); raise --val-fraction, lower --batch-size, or pass "
                    + "--val-fraction 0", source, c.valIds().length, batch, Evaluator.minTokens(batch)));
        }
        return c;
    }

    /** A token as it can be shown on one line. */
    private static String quote(String token) {
        return "'" + token.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
    }

    private String timeMachine() {
        try {
            return TimeMachine.load(dataDir, dataUrl, System.getenv());
        } catch (TimeMachine.DataException e) {
            throw UserException.failure(e.getMessage());
        }
    }

    static String readUtf8(Path file) {
        return readUtf8("--corpus", file);
    }

    /** The text of {@code file}, or a one-line failure naming {@code option}. */
    static String readUtf8(String option, Path file) {
        try {
            if (Files.isDirectory(file)) throw UserException.failure(option + " " + file + " is a folder; give a text file");
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) throw UserException.failure(option + " " + file + " is empty; give a text file with some text");
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            // A byte-order mark says how the file is encoded, it is not text: raw preprocessing would make it a token.
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (NoSuchFileException e) {
            throw UserException.failure(option + " " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw UserException.failure(option + " " + file + " cannot be read (permission denied)");
        } catch (CharacterCodingException e) {
            throw UserException.failure(option + " " + file + " is not UTF-8 text; convert it (e.g. iconv -t UTF-8)");
        } catch (IOException e) {
            throw UserException.failure("cannot read " + option + " " + file + " (" + e.getMessage() + ")");
        }
    }
}
