package dev.vecrnn.api;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Preprocessing;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.generate.Generator;
import dev.vecrnn.generate.Sampler;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.Evaluator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A trained character-level (or word-level) recurrent language model: d2l 8.5's RNN, or a GRU, an LSTM or a
 * stack of them, with the vocabulary and the text preprocessing it was trained with.
 *
 * <pre>{@code
 * LanguageModel model = LanguageModel.load(Path.of("vecrnn-model.safetensors"));
 * String text = model.generate("time traveller", 50);            // d2l's predict_ch8
 * double bits = model.evaluate(Files.readString(file)).bits();   // bits per token
 * }</pre>
 *
 * <p>A model is not changed by any of its methods, so one instance may serve several threads at once. Each
 * call allocates its own buffers and, with more than one {@linkplain #threads() thread}, starts and stops its
 * own workers; nothing is held between calls, so there is nothing to close. The Vector API kernels are used
 * when the JVM runs with {@code --add-modules jdk.incubator.vector}, scalar ones otherwise (same results up
 * to float rounding).
 */
public final class LanguageModel {
    private static final int DEFAULT_STREAMS = 32;
    /** Windows of d2l's 35 steps, shorter when a large vocabulary would make the logits' buffers large. */
    private static final int EVAL_STEPS = 35;
    private static final long EVAL_LOGITS = 1 << 22; // floats of logits per window, of streams x steps x vocabulary

    private final RnnModel model;
    private final Map<String, String> metadata;
    private final Preprocessing preprocessing;
    private final int threads;

    LanguageModel(RnnModel model, Map<String, String> metadata, Preprocessing preprocessing, int threads) {
        this.model = model;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.preprocessing = preprocessing;
        this.threads = threads;
    }

    /**
     * Reads a model saved by {@link #save(Path)} or {@code vecrnn train}, or any safetensors file with d2l's
     * tensor names and an {@code idx_to_token} vocabulary. A training checkpoint's optimizer state is checked
     * but left on disk.
     *
     * @param file the safetensors file
     * @return the model, set to use every available processor
     * @throws ModelException when the file is missing, unreadable or not a usable model; the message says why
     *                        in one line
     */
    public static LanguageModel load(Path file) throws ModelException {
        Objects.requireNonNull(file, "file");
        Checkpoint.Loaded loaded;
        try {
            loaded = Checkpoint.load(file, false);
        } catch (Checkpoint.CheckpointException e) {
            throw new ModelException(e.getMessage(), e);
        }
        Preprocessing p;
        try {
            // Files from before raw text were all read as d2l reads The Time Machine.
            p = Preprocessing.parse(loaded.metadata().getOrDefault("preprocessing", "d2l"));
        } catch (IllegalArgumentException e) {
            throw new ModelException(file + ": metadata preprocessing: " + e.getMessage(), e);
        }
        return new LanguageModel(loaded.model(), loaded.metadata(), p, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Starts setting up a training run, with d2l 8.5's hyperparameters as defaults.
     *
     * @return a builder; give it a corpus, then call {@link TrainingBuilder#train()}
     */
    public static TrainingBuilder trainer() {
        return new TrainingBuilder();
    }

    /**
     * Writes the model, with its vocabulary, preprocessing and training metadata, as a safetensors file that
     * {@link #load(Path)}, {@code vecrnn predict} and {@code vecrnn eval} read. The write is atomic: if it
     * fails, a file already at {@code file} is left as it was.
     *
     * @param file where to write
     * @throws IOException when the file cannot be written
     */
    public void save(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Checkpoint.save(model, metadata, file);
    }

    /**
     * This model, generating and evaluating on another number of threads. Generated text and losses are
     * the same on any number of threads.
     *
     * @param threads worker threads per call, 1 or more
     * @return a model sharing these weights
     * @throws IllegalArgumentException when {@code threads} is below 1
     */
    public LanguageModel withThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be 1 or more, not " + threads);
        return new LanguageModel(model, metadata, preprocessing, threads);
    }

    /**
     * d2l's {@code predict_ch8}: reads {@code prefix} from a zero state, then appends the most likely token
     * {@code numTokens} times.
     *
     * @param prefix    the text to continue, at least one token
     * @param numTokens how many tokens to append, 0 or more
     * @return {@code prefix} as given, followed by the generated tokens (words are separated by a space)
     * @throws IllegalArgumentException when the prefix has no tokens or {@code numTokens} is negative
     */
    public String generate(String prefix, int numTokens) {
        return generate(prefix, numTokens, Sampling.greedy());
    }

    /**
     * Continues {@code prefix} by {@code numTokens} tokens chosen as {@code sampling} says.
     *
     * @param prefix    the text to continue, at least one token; tokens the vocabulary lacks are read as
     *                  {@code <unk>}
     * @param numTokens how many tokens to append, 0 or more
     * @param sampling  how each token is chosen
     * @return {@code prefix} as given, followed by the generated tokens
     * @throws IllegalArgumentException when the prefix has no tokens or {@code numTokens} is negative
     */
    public String generate(String prefix, int numTokens, Sampling sampling) {
        return generate(prefix, numTokens, sampling, piece -> { });
    }

    /**
     * Continues {@code prefix} as {@link #generate(String, int, Sampling)} does, handing each token's text to
     * {@code onToken} as soon as it is chosen, to stream it.
     *
     * @param prefix    the text to continue, at least one token
     * @param numTokens how many tokens to append, 0 or more
     * @param sampling  how each token is chosen
     * @param onToken   receives the text each token adds (for a word model, the word after a space), in order;
     *                  {@code prefix} followed by everything it received is the returned text
     * @return {@code prefix} as given, followed by the generated tokens
     * @throws IllegalArgumentException when the prefix has no tokens or {@code numTokens} is negative
     */
    public String generate(String prefix, int numTokens, Sampling sampling, Consumer<String> onToken) {
        Objects.requireNonNull(onToken, "onToken");
        StringBuilder text = new StringBuilder(prefix);
        run(prefix, numTokens, sampling, 1, (row, piece) -> {
            text.append(piece);
            onToken.accept(piece);
        });
        return text.toString();
    }

    /**
     * Several independent continuations of {@code prefix}, generated side by side as one batch. Sample
     * {@code i} is the same text whatever the number of samples, so sample 0 is what
     * {@link #generate(String, int, Sampling)} returns.
     *
     * @param prefix    the text to continue, at least one token
     * @param numTokens how many tokens to append to each, 0 or more
     * @param sampling  how each token is chosen (with greedy sampling all samples are the same)
     * @param samples   how many continuations, 1 or more
     * @return {@code samples} texts, each {@code prefix} followed by its generated tokens
     * @throws IllegalArgumentException when the prefix has no tokens, {@code numTokens} is negative or
     *                                  {@code samples} is below 1
     */
    public List<String> generate(String prefix, int numTokens, Sampling sampling, int samples) {
        if (samples < 1) throw new IllegalArgumentException("samples must be 1 or more, not " + samples);
        List<StringBuilder> texts = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) texts.add(new StringBuilder(prefix));
        run(prefix, numTokens, sampling, samples, (row, piece) -> texts.get(row).append(piece));
        List<String> out = new ArrayList<>(samples);
        for (StringBuilder t : texts) out.add(t.toString());
        return out;
    }

    private interface PieceSink {
        void accept(int row, String piece);
    }

    private void run(String prefix, int numTokens, Sampling sampling, int samples, PieceSink sink) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(sampling, "sampling");
        if (numTokens < 0) throw new IllegalArgumentException("the number of tokens must be 0 or more, not " + numTokens);
        List<String> tokens = tokenize(prefix);
        if (tokens.isEmpty()) throw new IllegalArgumentException("the prefix has no tokens; give at least one character");
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = model.vocab().index(tokens.get(i));
        String sep = model.tokenization() == Tokenization.WORD ? " " : "";
        try (Generator g = new Generator(model, kernels(), samples, threads)) {
            g.generate(ids, numTokens, new Sampler(sampling.options(), model.vocab().size()),
                    (row, position, token) -> sink.accept(row, sep + model.vocab().token(token)));
        }
    }

    /**
     * The loss of the model on {@code text}, read as the model was trained: its preprocessing, tokenisation and
     * vocabulary. The text is cut into as many streams as the model was trained with sequences per minibatch
     * (its metadata's {@code batch_size}, else 32), fewer when the text is short.
     *
     * @param text the text to score
     * @return the loss, in nats and bits per token, and its perplexity
     * @throws IllegalArgumentException when the text has fewer than 2 tokens after preprocessing
     */
    public Evaluation evaluate(String text) {
        return evaluate(text, defaultStreams());
    }

    /**
     * The loss of the model on {@code text}, cut into {@code streams} streams (fewer when the text is short).
     * Each stream starts from a zero state, so the loss depends on the number of streams; fewer streams mean
     * more context per prediction.
     *
     * @param text    the text to score
     * @param streams how many streams, 1 or more
     * @return the loss, in nats and bits per token, and its perplexity
     * @throws IllegalArgumentException when {@code streams} is below 1 or the text has fewer than 2 tokens
     *                                  after preprocessing
     */
    public Evaluation evaluate(String text, int streams) {
        Objects.requireNonNull(text, "text");
        if (streams < 1) throw new IllegalArgumentException("streams must be 1 or more, not " + streams);
        List<List<String>> lines = preprocessing.tokenize(text, model.tokenization());
        int n = 0;
        for (List<String> line : lines) n += line.size();
        int[] ids = new int[n];
        Map<String, Integer> unknown = new LinkedHashMap<>();
        int i = 0;
        for (List<String> line : lines) {
            for (String t : line) {
                ids[i] = model.vocab().index(t);
                if (ids[i] == 0 && !t.equals(Vocab.UNK)) unknown.merge(t, 1, Integer::sum);
                i++;
            }
        }
        return evaluate(ids, streams, unknown, "the text");
    }

    /**
     * The loss on the validation split the model was trained with, rebuilt from the text it was trained on:
     * the last {@code val_fraction} (its metadata) of the first {@code max_tokens} tokens, in the model's
     * training number of streams.
     *
     * @param corpusText the whole text the model was trained on
     * @return the loss on its held-out tokens
     * @throws IllegalStateException    when the model was trained without a validation split
     * @throws IllegalArgumentException when the split has fewer than 2 tokens
     */
    public Evaluation evaluateValidationSplit(String corpusText) {
        return evaluateValidationSplit(corpusText, defaultStreams());
    }

    /**
     * The loss on the validation split the model was trained with, as {@link #evaluateValidationSplit(String)},
     * in {@code streams} streams.
     *
     * @param corpusText the whole text the model was trained on
     * @param streams    how many streams, 1 or more (fewer when the split is short)
     * @return the loss on its held-out tokens
     * @throws IllegalStateException    when the model was trained without a validation split
     * @throws IllegalArgumentException when {@code streams} is below 1 or the split has fewer than 2 tokens
     */
    public Evaluation evaluateValidationSplit(String corpusText, int streams) {
        Objects.requireNonNull(corpusText, "corpusText");
        if (streams < 1) throw new IllegalArgumentException("streams must be 1 or more, not " + streams);
        double fraction = validationFraction();
        if (!(fraction > 0)) throw new IllegalStateException("the model was trained without a validation split");
        int maxTokens = intMeta("max_tokens", 0);
        Corpus corpus = Corpus.of(corpusText, preprocessing, model.tokenization(), maxTokens, model.vocab(), fraction);
        return evaluate(corpus.valIds(), streams, Map.of(), "the validation split");
    }

    private Evaluation evaluate(int[] ids, int streams, Map<String, Integer> unknown, String what) {
        if (ids.length == 0) {
            throw new IllegalArgumentException(what + " has no tokens to evaluate after the model's preprocessing (" + preprocessing.id() + ")");
        }
        if (ids.length < 2) throw new IllegalArgumentException(what + " has 1 token; evaluating needs at least 2");
        int s = Math.max(1, Math.min(streams, ids.length / 2));
        // The window sizes the buffers only: every prediction sees its whole stream before it whatever the window.
        int window = (int) Math.max(1, Math.min(EVAL_STEPS, EVAL_LOGITS / ((long) s * model.vocab().size())));
        Evaluator.Result r = new Evaluator(model, kernels(), s, window).evaluate(ids);
        return new Evaluation(r.nats(), r.bits(), r.perplexity(), ids.length, r.tokens(), s, unknown, r.seconds());
    }

    /**
     * The tokens the model reads {@code text} as when it is a prefix to {@link #generate(String, int)}: characters
     * (Unicode code points) or whitespace-separated words, without preprocessing.
     *
     * @param text any text
     * @return its tokens; those not in {@link #vocabulary()} are read as {@code <unk>}
     */
    public List<String> tokenize(String text) {
        return List.copyOf(model.tokenize(Objects.requireNonNull(text, "text")));
    }

    /**
     * The tokens the model knows, by index: {@code <unk>} first, then by decreasing frequency in the training text.
     *
     * @return an unmodifiable list of {@link #vocabularySize()} tokens
     */
    public List<String> vocabulary() {
        return model.vocab().tokens();
    }

    /**
     * The size of the vocabulary, which is the size of the model's input and output layers.
     *
     * @return how many tokens the model knows, {@code <unk>} included
     */
    public int vocabularySize() {
        return model.vocab().size();
    }

    /**
     * The recurrent cell of every layer.
     *
     * @return {@code rnn} (d2l 8.5's tanh RNN), {@code gru}, {@code lstm} or {@code gru-torch}
     */
    public String cellType() {
        return model.cellType();
    }

    /**
     * The number of stacked recurrent layers.
     *
     * @return 1 or more
     */
    public int layers() {
        return model.numLayers();
    }

    /**
     * The hidden size of each recurrent layer.
     *
     * @return hidden units per layer
     */
    public int hidden() {
        return model.hidden();
    }

    /**
     * How text is cut into tokens.
     *
     * @return {@code char} or {@code word}
     */
    public String tokenization() {
        return model.tokenization().id();
    }

    /**
     * What {@link #evaluate(String)} does to a text before cutting it into tokens, as training did.
     *
     * @return {@code d2l} (letters only, lower-cased, line ends dropped) or {@code none} (the text as it is)
     */
    public String preprocessing() {
        return preprocessing.id();
    }

    /**
     * The threads each call uses.
     *
     * @return worker threads per call
     */
    public int threads() {
        return threads;
    }

    /**
     * The metadata the model was saved with: the vocabulary, hyperparameters, the corpus's SHA-1 and so on,
     * as strings (the README's "Checkpoint format" lists the keys).
     *
     * @return an unmodifiable map, in the file's order
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    private int defaultStreams() {
        return Math.max(1, intMeta("batch_size", DEFAULT_STREAMS));
    }

    private double validationFraction() {
        try {
            return Double.parseDouble(metadata.getOrDefault("val_fraction", "0").trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("metadata val_fraction '" + metadata.get("val_fraction") + "' is not a number");
        }
    }

    private int intMeta(String key, int dflt) {
        try {
            return Integer.parseInt(metadata.getOrDefault(key, Integer.toString(dflt)).trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static Kernels kernels() {
        return KernelProvider.get();
    }

    /** The engine's model, for the command line built on this class. */
    RnnModel model() {
        return model;
    }
}
