package dev.vecrnn.api;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Preprocessing;
import dev.vecrnn.data.Rng;
import dev.vecrnn.data.SequenceIterator;
import dev.vecrnn.data.TimeMachine;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Cells;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.Optimizers;
import dev.vecrnn.train.Evaluator;
import dev.vecrnn.train.TrainConfig;
import dev.vecrnn.train.Trainer;
import dev.vecrnn.train.Training;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Random;

/**
 * Sets up and runs the training of a new {@link LanguageModel}; get one from {@link LanguageModel#trainer()}.
 *
 * <p>Every default is d2l 8.5's ({@code train_ch8} on {@code load_data_time_machine(32, 35)}): the text
 * preprocessed as d2l's {@code read_time_machine} does, its first 10,000 characters, a tanh RNN of 512 hidden
 * units, minibatches of 32 sequences of 35 steps in sequential partitioning, 500 epochs of SGD at learning rate
 * 1 with gradients clipped to norm 1, seed 0. So
 *
 * <pre>{@code
 * LanguageModel model = LanguageModel.trainer().corpus(Path.of("timemachine.txt")).train();
 * }</pre>
 *
 * <p>is d2l's run, to the same numbers as {@code vecrnn train}. For another text, {@code preprocessing("none")}
 * keeps it as it is and {@code maxTokens(0)} reads all of it. A setter refuses a value out of range at once,
 * with an {@link IllegalArgumentException} naming it. The results do not depend on the number of threads.
 */
public final class TrainingBuilder {
    private String text;
    private Path corpusFile;
    private Preprocessing preprocessing = Preprocessing.D2L;
    private Tokenization tokenization = Tokenization.CHAR;
    private int maxTokens = 10_000; // d2l's load_data_time_machine(max_tokens=10000)
    private double validationFraction;
    private String cell = "rnn";
    private int layers = 1;
    private int hidden = TrainConfig.HIDDEN;
    private int batchSize = TrainConfig.BATCH;
    private int steps = TrainConfig.STEPS;
    private int epochs = TrainConfig.EPOCHS;
    private float lr = TrainConfig.LR;
    private float clip = TrainConfig.CLIP;
    private boolean randomSampling;
    private String optimizer = "sgd";
    private float dropout;
    private long seed;
    private int threads = Runtime.getRuntime().availableProcessors();
    private EpochListener listener = stats -> true;

    TrainingBuilder() {}

    /**
     * The text to train on.
     *
     * @param text the whole text; how much of it is read is set by {@link #maxTokens(int)}
     * @return this builder
     */
    public TrainingBuilder corpus(String text) {
        this.text = Objects.requireNonNull(text, "text");
        this.corpusFile = null;
        return this;
    }

    /**
     * The text to train on, read from a UTF-8 file now. The model records the file's absolute path and SHA-1,
     * so {@code vecrnn eval} can rebuild its validation split.
     *
     * @param file a UTF-8 text file
     * @return this builder
     * @throws IOException when the file cannot be read or is not UTF-8
     */
    public TrainingBuilder corpus(Path file) throws IOException {
        String content = Files.readString(Objects.requireNonNull(file, "file"), StandardCharsets.UTF_8);
        // A byte-order mark says how the file is encoded; it is not text.
        this.text = content.startsWith("\uFEFF") ? content.substring(1) : content;
        this.corpusFile = file.toAbsolutePath();
        return this;
    }

    /**
     * What happens to the text before it is cut into tokens.
     *
     * @param preprocessing {@code d2l} (the default: letters only, lower-cased, line ends dropped) or
     *                      {@code none} (the text as it is; CRLF and CR read as newline)
     * @return this builder
     * @throws IllegalArgumentException for another name
     */
    public TrainingBuilder preprocessing(String preprocessing) {
        this.preprocessing = Preprocessing.parse(Objects.requireNonNull(preprocessing, "preprocessing"));
        return this;
    }

    /**
     * How the text is cut into tokens.
     *
     * @param tokenization {@code char} (the default: Unicode code points) or {@code word} (whitespace-separated)
     * @return this builder
     * @throws IllegalArgumentException for another name
     */
    public TrainingBuilder tokenization(String tokenization) {
        this.tokenization = Tokenization.parse(Objects.requireNonNull(tokenization, "tokenization"));
        return this;
    }

    /**
     * How many tokens of the text to keep, from its start, before the validation split.
     *
     * @param maxTokens 10,000 by default, as d2l; 0 keeps the whole text
     * @return this builder
     * @throws IllegalArgumentException when negative
     */
    public TrainingBuilder maxTokens(int maxTokens) {
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be 0 (all) or more, not " + maxTokens);
        this.maxTokens = maxTokens;
        return this;
    }

    /**
     * Holds out the end of the kept tokens to measure a validation loss after every epoch
     * ({@link EpochStats#validationLoss()}). The vocabulary still comes from the whole text.
     *
     * @param fraction the share held out, in [0, 0.5]; 0 (the default, as d2l) holds out nothing
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public TrainingBuilder validationFraction(double fraction) {
        if (!(fraction >= 0 && fraction <= 0.5)) {
            throw new IllegalArgumentException("validationFraction must be between 0 and 0.5, not " + fraction);
        }
        this.validationFraction = fraction;
        return this;
    }

    /**
     * The recurrent cell.
     *
     * @param cell {@code rnn} (the default, d2l 8.5's tanh RNN), {@code gru} (d2l 9.1), {@code lstm} (d2l 9.2)
     *             or {@code gru-torch} (PyTorch's {@code nn.GRU})
     * @return this builder
     * @throws IllegalArgumentException for another name
     */
    public TrainingBuilder cell(String cell) {
        if (!Cells.TYPES.contains(cell)) {
            throw new IllegalArgumentException("cell must be one of " + String.join(", ", Cells.TYPES) + ", not '" + cell + "'");
        }
        this.cell = cell;
        return this;
    }

    /**
     * Stacked recurrent layers, as d2l 9.3.
     *
     * @param layers 1 (the default) to 64
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public TrainingBuilder layers(int layers) {
        if (layers < 1 || layers > 64) throw new IllegalArgumentException("layers must be between 1 and 64, not " + layers);
        this.layers = layers;
        return this;
    }

    /**
     * Hidden units per layer.
     *
     * @param hidden 512 by default; 1 or more
     * @return this builder
     * @throws IllegalArgumentException when below 1
     */
    public TrainingBuilder hidden(int hidden) {
        this.hidden = positive("hidden", hidden);
        return this;
    }

    /**
     * Sequences per minibatch.
     *
     * @param batchSize 32 by default; 1 or more
     * @return this builder
     * @throws IllegalArgumentException when below 1
     */
    public TrainingBuilder batchSize(int batchSize) {
        this.batchSize = positive("batchSize", batchSize);
        return this;
    }

    /**
     * Time steps per sequence: the length of backpropagation through time.
     *
     * @param steps 35 by default; 1 or more
     * @return this builder
     * @throws IllegalArgumentException when below 1
     */
    public TrainingBuilder steps(int steps) {
        this.steps = positive("steps", steps);
        return this;
    }

    /**
     * Passes over the training tokens.
     *
     * @param epochs 500 by default; 1 or more
     * @return this builder
     * @throws IllegalArgumentException when below 1
     */
    public TrainingBuilder epochs(int epochs) {
        this.epochs = positive("epochs", epochs);
        return this;
    }

    /**
     * The learning rate.
     *
     * @param lr 1 by default, d2l's for SGD; Adam wants about 0.002
     * @return this builder
     * @throws IllegalArgumentException when not a finite number above 0
     */
    public TrainingBuilder lr(double lr) {
        if (!(lr > 0) || !Float.isFinite((float) lr)) throw new IllegalArgumentException("lr must be a finite number above 0, not " + lr);
        this.lr = (float) lr;
        return this;
    }

    /**
     * The threshold of global gradient-norm clipping.
     *
     * @param clip 1 by default; a finite number above 0
     * @return this builder
     * @throws IllegalArgumentException when not a finite number above 0
     */
    public TrainingBuilder clip(double clip) {
        if (!(clip > 0) || !Float.isFinite((float) clip)) {
            throw new IllegalArgumentException("clip must be a finite number above 0, not " + clip);
        }
        this.clip = (float) clip;
        return this;
    }

    /**
     * d2l's random sampling (the state reset for every minibatch) instead of sequential partitioning.
     *
     * @param randomSampling false by default
     * @return this builder
     */
    public TrainingBuilder randomSampling(boolean randomSampling) {
        this.randomSampling = randomSampling;
        return this;
    }

    /**
     * The update rule, with PyTorch's default hyperparameters.
     *
     * @param name {@code sgd} (the default), {@code adam}, {@code adamw} or {@code rmsprop}
     * @return this builder
     * @throws IllegalArgumentException for another name
     */
    public TrainingBuilder optimizer(String name) {
        String n = Objects.requireNonNull(name, "name").trim().toLowerCase(Locale.ROOT);
        if (!Optimizers.NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown optimizer '" + name + "'; expected one of " + String.join(", ", Optimizers.NAMES));
        }
        this.optimizer = n;
        return this;
    }

    /**
     * Dropout between layers and before the output layer, in training only.
     *
     * @param p the probability of dropping a unit, in [0, 1); 0 by default, as d2l
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public TrainingBuilder dropout(double p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout must be at least 0 and below 1, not " + p);
        this.dropout = (float) p;
        return this;
    }

    /**
     * Seeds the initial weights, the data order and dropout's masks: the same seed gives the same model.
     *
     * @param seed 0 by default
     * @return this builder
     */
    public TrainingBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * Worker threads for training; the model trained is the same on any number. The model returned uses as
     * many for generating and evaluating.
     *
     * @param threads the available processors by default; 1 or more
     * @return this builder
     * @throws IllegalArgumentException when below 1
     */
    public TrainingBuilder threads(int threads) {
        this.threads = positive("threads", threads);
        return this;
    }

    /**
     * Called after every epoch with its statistics; returning false stops training there.
     *
     * @param listener receives each epoch's statistics
     * @return this builder
     */
    public TrainingBuilder onEpoch(EpochListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Trains a new model from freshly initialised weights (d2l's: N(0, 0.01²) weights, zero biases) for the
     * epochs set, or until the {@linkplain #onEpoch listener} stops it.
     *
     * @return the trained model, its metadata recording how it was trained
     * @throws IllegalStateException    when no corpus was given
     * @throws IllegalArgumentException when the corpus is too short for one minibatch, has fewer than two
     *                                  distinct tokens, or its validation split fewer than two tokens
     * @throws ArithmeticException      when the loss becomes NaN or infinite (lower the learning rate)
     */
    public LanguageModel train() {
        if (text == null) throw new IllegalStateException("no corpus: call corpus(text) or corpus(file) before train()");
        Corpus data = Corpus.of(text, preprocessing, tokenization, maxTokens, 0, validationFraction);
        check(data);
        TrainConfig cfg = new TrainConfig(hidden, batchSize, steps, epochs, lr, clip, randomSampling, seed, threads, dropout);
        Kernels k = KernelProvider.get();
        RnnModel model = new RnnModel(cell, layers, data.vocab(), tokenization, hidden).initialize(new Random(seed));
        Optimizer opt = Optimizers.create(optimizer, Map.of(), model.table());
        int[] valIds = data.valIds();
        Evaluator validation = valIds.length == 0 ? null
                : new Evaluator(model, k, Math.min(batchSize, valIds.length / 2), steps);
        Training.EpochStats[] last = new Training.EpochStats[1];
        double[] valLoss = {Double.NaN};
        try (Trainer trainer = new Trainer(model, k, batchSize, steps, lr, clip, threads, opt)) {
            Training.run(trainer, data, cfg, null, Training.Progress.start(seed), (stats, progress) -> {
                last[0] = stats;
                valLoss[0] = validation == null ? Double.NaN : validation.evaluate(valIds).nats();
                return listener.onEpoch(new EpochStats(stats.epoch(), stats.epochs(), stats.meanLoss(), stats.perplexity(),
                        validation == null ? OptionalDouble.empty() : OptionalDouble.of(valLoss[0]), stats.tokensPerSecond()));
            });
        }
        return new LanguageModel(model, metadata(cfg, k, last[0], valLoss[0]), preprocessing, threads);
    }

    private void check(Corpus data) {
        if (data.tokens() == 0) {
            throw new IllegalArgumentException("the corpus has no tokens to train on" + (preprocessing == Preprocessing.D2L
                    ? " after d2l's preprocessing, which keeps only the letters A-Z and a-z" : ""));
        }
        if (data.distinctTokens() < 2) {
            throw new IllegalArgumentException("the corpus has one distinct token; a language model needs at least two");
        }
        long perEpoch = new SequenceIterator(data.ids(), batchSize, steps, randomSampling, new Rng(0)).minBatchesPerEpoch();
        if (perEpoch < 1) {
            throw new IllegalArgumentException("the corpus has " + data.ids().length + " training tokens, too few for one minibatch of "
                    + batchSize + " sequences of " + steps + " steps; lower batchSize or steps, or raise maxTokens");
        }
        if (validationFraction > 0 && data.valIds().length < 2) {
            throw new IllegalArgumentException("the validation split has " + data.valIds().length
                    + " token(s); evaluating needs at least 2: raise validationFraction or maxTokens");
        }
    }

    /** What the model file records: enough for {@code vecrnn eval} to rebuild the split and to know the streams. */
    private Map<String, String> metadata(TrainConfig cfg, Kernels k, Training.EpochStats last, double valLoss) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("batch_size", Integer.toString(cfg.batch()));
        m.put("num_steps", Integer.toString(cfg.steps()));
        m.put("epochs", Integer.toString(cfg.epochs()));
        m.put("epochs_trained", Integer.toString(last.epoch()));
        m.put("lr", Float.toString(cfg.lr()));
        m.put("clip_theta", Float.toString(cfg.clip()));
        m.put("random_iter", Boolean.toString(cfg.randomIter()));
        m.put("seed", Long.toString(cfg.seed()));
        m.put("max_tokens", Integer.toString(maxTokens));
        m.put("corpus_sha1", TimeMachine.sha1(text.getBytes(StandardCharsets.UTF_8)));
        if (corpusFile != null) m.put("corpus", corpusFile.toString());
        m.put("perplexity", String.format(Locale.ROOT, "%.6f", last.perplexity()));
        m.put("kernels", k.name());
        m.put("preprocessing", preprocessing.id());
        m.put("min_freq", "0");
        m.put("val_fraction", Double.toString(validationFraction));
        m.put("dropout", Float.toString(cfg.dropout()));
        if (!Double.isNaN(valLoss)) m.put("val_loss", Double.toString(valLoss));
        return m;
    }

    private static int positive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " must be 1 or more, not " + value);
        return value;
    }
}
