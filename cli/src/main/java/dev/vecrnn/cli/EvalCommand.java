package dev.vecrnn.cli;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Preprocessing;
import dev.vecrnn.data.TimeMachine;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.Evaluator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn eval}: the mean cross-entropy of a saved model on a text, read as the model was trained
 * (its preprocessing, tokenisation and vocabulary), or on its own validation split rebuilt from the corpus
 * its metadata names.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure a model's loss (nats and bits per token) and perplexity on a text or on its validation split.")
public final class EvalCommand extends BaseCommand {
    @Option(names = "--model", paramLabel = "FILE", defaultValue = "vecrnn-model.safetensors",
            description = "The model file (from 'train --save'). Default: ${DEFAULT-VALUE}.")
    Path model;

    @Option(names = "--text", paramLabel = "FILE",
            description = "UTF-8 text to evaluate on. Default: the model's own validation split, rebuilt from the corpus it records.")
    Path text;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder holding timemachine.txt, for a model trained on The Time Machine (default: $"
                    + TimeMachine.DATA_DIR_ENV + ", else the per-user cache).")
    Path dataDir;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Streams the text is cut into, each read from a zero state (default: the model's training batch size, "
                    + "else 32; lowered to fit a short text).")
    Integer batch;

    @Option(names = "--num-steps", paramLabel = "N", defaultValue = "35",
            description = "Window length; sizes the buffers only, the result does not depend on it. Default: ${DEFAULT-VALUE}.")
    int steps;

    void validate() {
        checkThreads();
        if (batch != null && (batch <= 0 || batch > 65536)) throw UserException.usage("--batch-size must be between 1 and 65536, not " + batch);
        if (steps <= 0 || steps > 65536) throw UserException.usage("--num-steps must be between 1 and 65536, not " + steps);
    }

    @Override
    int run() {
        validate();
        Checkpoint.Loaded loaded;
        try {
            allocating("loading the model " + model + fileSize(model), "");
            loaded = Checkpoint.load(model, false);
        } catch (Checkpoint.CheckpointException e) {
            throw UserException.failure(e.getMessage());
        }
        RnnModel m = loaded.model();
        Map<String, String> meta = loaded.metadata();
        Preprocessing p = preprocessing(meta);
        int[] ids;
        String what;
        if (text != null) {
            String content = CorpusOptions.readUtf8("--text", text);
            List<List<String>> lines = p.tokenize(content, m.tokenization());
            Map<String, Integer> unknown = new LinkedHashMap<>();
            int n = 0;
            for (List<String> line : lines) n += line.size();
            ids = new int[n];
            int i = 0;
            for (List<String> line : lines) {
                for (String t : line) {
                    ids[i++] = m.vocab().index(t);
                    if (ids[i - 1] == 0 && !t.equals(Vocab.UNK)) unknown.merge(t, 1, Integer::sum);
                }
            }
            if (n == 0) {
                throw UserException.failure("--text " + text + " has no tokens to evaluate after the model's preprocessing ("
                        + p.id() + ")");
            }
            if (!unknown.isEmpty()) {
                int count = unknown.values().stream().mapToInt(Integer::intValue).sum();
                List<String> examples = unknown.keySet().stream().limit(5).map(EvalCommand::quote).toList();
                err().printf(Locale.ROOT, "warning: %,d token%s of %s (%,d distinct: %s%s) %s not in the model's vocabulary and count as %s%n",
                        count, count == 1 ? "" : "s", text, unknown.size(), String.join(", ", examples), unknown.size() > 5 ? ", …" : "",
                        count == 1 ? "is" : "are", Vocab.UNK);
                err().flush();
            }
            what = text.getFileName() != null ? text.getFileName().toString() : text.toString();
        } else {
            ids = validationSplit(m, meta, p);
            what = "its validation split";
        }
        if (ids.length < 2) throw UserException.failure(what + " has " + ids.length + " token; evaluating needs at least 2");
        int streams = batch != null ? batch : meta.containsKey("batch_size") ? parse(meta.get("batch_size"), 32) : 32;
        streams = Math.max(1, Math.min(streams, ids.length / 2));
        allocating("allocating the evaluation buffers", "lower --batch-size or --num-steps");
        Evaluator.Result r = new Evaluator(m, kernels(), streams, steps).evaluate(ids);
        out().printf(Locale.ROOT, "%s: %s, hidden %d, vocab %d (%s %s); %s: %,d tokens in %d stream%s%n", model,
                TrainCommand.describe(m), m.hidden(), m.vocab().size(), p == Preprocessing.D2L ? "d2l-preprocessed" : "raw",
                m.tokenization().id() + "s", what, ids.length, streams, streams == 1 ? "" : "s");
        out().printf(Locale.ROOT, "loss %.6f nats/token, %.6f bits/token, perplexity %.4f on %d tokens, %,.0f tokens/sec%n",
                r.nats(), r.bits(), r.perplexity(), r.tokens(), r.tokens() / Math.max(r.seconds(), 1e-9));
        return ExitCode.OK;
    }

    /** Files from before raw text were trained on d2l's preprocessing. */
    private Preprocessing preprocessing(Map<String, String> meta) {
        try {
            return Preprocessing.parse(meta.getOrDefault("preprocessing", "d2l"));
        } catch (IllegalArgumentException e) {
            throw UserException.failure(model + ": metadata preprocessing: " + e.getMessage());
        }
    }

    /** The held-out tokens of the model's training run: its corpus read again, checked by SHA-1, split as it was. */
    private int[] validationSplit(RnnModel m, Map<String, String> meta, Preprocessing p) {
        double fraction = meta.containsKey("val_fraction") ? parseReal(meta.get("val_fraction")) : 0;
        String source = meta.get("corpus");
        if (!(fraction > 0) || source == null) {
            throw UserException.usage(model + " was trained without a validation split; give --text FILE to evaluate on");
        }
        String content;
        try {
            content = source.equals("timemachine") ? TimeMachine.load(dataDir, null, System.getenv())
                    : CorpusOptions.readUtf8("the model's corpus", Path.of(source));
        } catch (TimeMachine.DataException e) {
            throw UserException.failure(e.getMessage());
        }
        String sha1 = meta.get("corpus_sha1");
        if (sha1 != null && !sha1.equals(TimeMachine.sha1(content.getBytes(StandardCharsets.UTF_8)))) {
            throw UserException.failure(source + " has changed since " + model + " was trained on it (SHA-1 differs); give --text FILE");
        }
        int maxTokens = meta.containsKey("max_tokens") ? parse(meta.get("max_tokens"), 0) : 0;
        Corpus corpus = Corpus.of(content, p, m.tokenization(), maxTokens, m.vocab(), fraction);
        return corpus.valIds();
    }

    private int parse(String v, int dflt) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private double parseReal(String v) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw UserException.failure(model + ": metadata val_fraction '" + v + "' is not a number");
        }
    }

    private static String quote(String token) {
        return "'" + token.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
    }
}
