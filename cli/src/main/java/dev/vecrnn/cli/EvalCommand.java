package dev.vecrnn.cli;

import dev.vecrnn.api.Evaluation;
import dev.vecrnn.api.LanguageModel;
import dev.vecrnn.api.ModelException;
import dev.vecrnn.data.TimeMachine;
import dev.vecrnn.data.Vocab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn eval}: the mean cross-entropy of a saved model on a text, read as the model was trained
 * (its preprocessing, tokenisation and vocabulary), or on its own validation split rebuilt from the corpus
 * its metadata names, through {@link LanguageModel#evaluate} and {@link LanguageModel#evaluateValidationSplit}.
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

    /** Accepted so that old scripts keep working: the window only sized buffers, and the API now sizes them itself. */
    @Option(names = "--num-steps", paramLabel = "N", hidden = true, defaultValue = "35")
    int steps;

    void validate() {
        checkThreads();
        if (batch != null && (batch <= 0 || batch > 65536)) throw UserException.usage("--batch-size must be between 1 and 65536, not " + batch);
        if (steps <= 0 || steps > 65536) throw UserException.usage("--num-steps must be between 1 and 65536, not " + steps);
    }

    @Override
    int run() {
        validate();
        LanguageModel m;
        try {
            allocating("loading the model " + model + fileSize(model), "");
            m = LanguageModel.load(model).withThreads(common.threads);
        } catch (ModelException e) {
            throw UserException.failure(e.getMessage());
        }
        String what;
        Evaluation r;
        allocating("allocating the evaluation buffers", "lower --batch-size");
        try {
            if (text != null) {
                what = text.getFileName() != null ? text.getFileName().toString() : text.toString();
                String content = CorpusOptions.readUtf8("--text", text);
                r = batch != null ? m.evaluate(content, batch) : m.evaluate(content);
                warnUnknown(r);
            } else {
                what = "its validation split";
                String corpus = validationCorpus(m);
                r = batch != null ? m.evaluateValidationSplit(corpus, batch) : m.evaluateValidationSplit(corpus);
            }
        } catch (IllegalArgumentException e) {
            // The text is too short: the message names "the text" or "the validation split"; say which file.
            throw UserException.failure((text != null ? "--text " + text + ": " : "") + e.getMessage());
        }
        out().printf(Locale.ROOT, "%s: %s, hidden %d, vocab %d (%s %s); %s: %,d tokens in %d stream%s%n", model,
                TrainCommand.describe(m.layers(), m.cellType()), m.hidden(), m.vocabularySize(),
                m.preprocessing().equals("d2l") ? "d2l-preprocessed" : "raw", m.tokenization() + "s", what, r.tokens(),
                r.streams(), r.streams() == 1 ? "" : "s");
        out().printf(Locale.ROOT, "loss %.6f nats/token, %.6f bits/token, perplexity %.4f on %d tokens, %,.0f tokens/sec%n",
                r.nats(), r.bits(), r.perplexity(), r.predictions(), r.tokensPerSecond());
        return ExitCode.OK;
    }

    private void warnUnknown(Evaluation r) {
        Map<String, Integer> unknown = r.unknownTokens();
        if (unknown.isEmpty()) return;
        long count = r.unknownCount();
        List<String> examples = unknown.keySet().stream().limit(5).map(EvalCommand::quote).toList();
        err().printf(Locale.ROOT, "warning: %,d token%s of %s (%,d distinct: %s%s) %s not in the model's vocabulary and count as %s%n",
                count, count == 1 ? "" : "s", text, unknown.size(), String.join(", ", examples), unknown.size() > 5 ? ", …" : "",
                count == 1 ? "is" : "are", Vocab.UNK);
        err().flush();
    }

    /** The text the model's training run read, checked by SHA-1: its validation split is rebuilt from it. */
    private String validationCorpus(LanguageModel m) {
        Map<String, String> meta = m.metadata();
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
        return content;
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
