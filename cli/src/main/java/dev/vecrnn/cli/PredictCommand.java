package dev.vecrnn.cli;

import dev.vecrnn.api.LanguageModel;
import dev.vecrnn.api.ModelException;
import dev.vecrnn.api.Sampling;
import dev.vecrnn.data.Vocab;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn predict}: d2l's {@code predict_ch8} with a saved model, greedy by default, or sampled, through
 * {@link LanguageModel#generate}. One
 * sample streams to stdout as it is generated (flushed per token on a terminal, per line otherwise); several
 * are generated in lockstep as one batch and printed one per line when done.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Extend a prefix with a trained model: warm up on the prefix, then greedy argmax or sampling.")
public final class PredictCommand extends BaseCommand {
    @Option(names = "--model", paramLabel = "FILE", defaultValue = "vecrnn-model.safetensors",
            description = "The model file (safetensors, from 'train --save'). Default: ${DEFAULT-VALUE}.")
    Path model;

    @Option(names = "--prefix", paramLabel = "TEXT", defaultValue = "time traveller",
            description = "Text to start from; characters outside the vocabulary are fed as <unk>. Default: ${DEFAULT-VALUE}.")
    String prefix;

    @Option(names = "--num-preds", paramLabel = "N", defaultValue = "50", description = "Tokens to predict. Default: ${DEFAULT-VALUE}.")
    int numPreds;

    @Mixin
    SamplingMixin sampling = new SamplingMixin();

    @Option(names = "--stats", description = "Print on stderr, last: generated N tokens in S s, R tokens/sec.")
    boolean stats;

    Sampling validate() {
        if (prefix.isEmpty()) throw UserException.usage("--prefix is empty; give at least one character");
        if (numPreds < 0 || numPreds > 10_000_000) throw UserException.usage("--num-preds must be between 0 and 10000000, not " + numPreds);
        checkThreads();
        return sampling.options();
    }

    @Override
    int run() {
        Sampling options = validate();
        LanguageModel m;
        try {
            allocating("loading the model " + model + fileSize(model), "");
            m = LanguageModel.load(model).withThreads(common.threads);
        } catch (ModelException e) {
            throw UserException.failure(e.getMessage());
        }
        checkPrefix(m);
        int samples = sampling.samples;
        allocating("generating " + samples + " samples", samples > 1 ? "lower --samples" : "");
        long start = System.nanoTime();
        PrintWriter out = out();
        if (samples == 1) {
            boolean terminal = Progress.isTerminal();
            out.print(prefix);
            if (terminal) out.flush();
            m.generate(prefix, numPreds, options, piece -> {
                out.print(piece);
                if (terminal || piece.indexOf('\n') >= 0) out.flush();
            });
            out.println();
        } else {
            for (String text : m.generate(prefix, numPreds, options, samples)) out.println(text);
        }
        out.flush();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (stats) {
            long n = (long) numPreds * samples;
            err().println(String.format(Locale.ROOT, "generated %d tokens in %.3f s, %.1f tokens/sec", n, seconds, n / seconds));
        }
        return ExitCode.OK;
    }

    /** A prefix with no tokens is a usage error; characters (or words) the model does not know are named once on stderr. */
    private void checkPrefix(LanguageModel m) {
        List<String> tokens = m.tokenize(prefix);
        if (tokens.isEmpty()) throw UserException.usage("--prefix has no tokens; give at least one character");
        Set<String> known = new HashSet<>(m.vocabulary());
        Set<String> unknown = new LinkedHashSet<>();
        for (String t : tokens) if (!known.contains(t)) unknown.add("'" + t + "'");
        if (!unknown.isEmpty()) {
            err().println("vecrnn predict: not in the model's vocabulary, fed as " + Vocab.UNK + ": " + String.join(", ", unknown));
        }
    }
}
