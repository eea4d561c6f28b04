package dev.vecrnn.cli;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.generate.Generator;
import dev.vecrnn.generate.Sampler;
import dev.vecrnn.generate.SamplingOptions;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.model.RnnModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vecrnn predict}: d2l's {@code predict_ch8} with a saved model, greedy by default, or sampled. One
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

    SamplingOptions validate() {
        if (prefix.isEmpty()) throw UserException.usage("--prefix is empty; give at least one character");
        if (numPreds < 0 || numPreds > 10_000_000) throw UserException.usage("--num-preds must be between 0 and 10000000, not " + numPreds);
        checkThreads();
        return sampling.options();
    }

    @Override
    int run() {
        SamplingOptions options = validate();
        Checkpoint.Loaded loaded;
        try {
            allocating("loading the model " + model + fileSize(model), "");
            loaded = Checkpoint.load(model);
        } catch (Checkpoint.CheckpointException e) {
            throw UserException.failure(e.getMessage());
        }
        RnnModel m = loaded.model();
        int[] ids = prefixIds(m);
        int samples = sampling.samples;
        allocating("generating " + samples + " samples", samples > 1 ? "lower --samples" : "");
        long start = System.nanoTime();
        try (Generator g = new Generator(m, kernels(), samples, common.threads)) {
            Sampler sampler = new Sampler(options, m.vocab().size());
            String sep = m.tokenization() == Tokenization.WORD ? " " : "";
            PrintWriter out = out();
            if (samples == 1) {
                boolean terminal = Progress.isTerminal();
                out.print(prefix);
                if (terminal) out.flush();
                g.generate(ids, numPreds, sampler, (row, pos, token) -> {
                    String t = m.vocab().token(token);
                    out.print(sep);
                    out.print(t);
                    if (terminal || t.indexOf('\n') >= 0) out.flush();
                });
                out.println();
            } else {
                StringBuilder[] texts = new StringBuilder[samples];
                for (int r = 0; r < samples; r++) texts[r] = new StringBuilder(prefix);
                g.generate(ids, numPreds, sampler, (row, pos, token) -> texts[row].append(sep).append(m.vocab().token(token)));
                for (StringBuilder t : texts) out.println(t);
            }
            out.flush();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (stats) {
            long n = (long) numPreds * samples;
            err().println(String.format(Locale.ROOT, "generated %d tokens in %.3f s, %.1f tokens/sec", n, seconds, n / seconds));
        }
        return ExitCode.OK;
    }

    /** The prefix's token ids; characters (or words) the model does not know are named once on stderr. */
    private int[] prefixIds(RnnModel m) {
        List<String> tokens = m.tokenize(prefix);
        if (tokens.isEmpty()) throw UserException.usage("--prefix has no tokens; give at least one character");
        int[] ids = new int[tokens.size()];
        Set<String> unknown = new LinkedHashSet<>();
        for (int i = 0; i < ids.length; i++) {
            ids[i] = m.vocab().index(tokens.get(i));
            if (ids[i] == 0 && !tokens.get(i).equals(Vocab.UNK)) unknown.add("'" + tokens.get(i) + "'");
        }
        if (!unknown.isEmpty()) {
            err().println("vecrnn predict: not in the model's vocabulary, fed as " + Vocab.UNK + ": " + String.join(", ", unknown));
        }
        return ids;
    }
}
