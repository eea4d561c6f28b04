package dev.vecrnn.cli;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.train.Evaluator;
import java.util.Locale;

/**
 * The validation split of a run: evaluates the model as it is now, and keeps the best loss seen and the
 * evaluations since it, for {@code --save-best} and {@code --patience}.
 */
final class Validation {
    private final Evaluator evaluator;
    private final int[] ids;
    double best = Double.POSITIVE_INFINITY;
    String bestAt;
    int sinceBest;
    Evaluator.Result last;

    Validation(RnnModel model, Kernels kernels, int batch, int steps, int[] ids) {
        this.evaluator = new Evaluator(model, kernels, batch, steps);
        this.ids = ids;
    }

    /** Evaluates; returns true when the loss is the lowest so far. */
    boolean evaluate(String at) {
        last = evaluator.evaluate(ids);
        if (last.nats() < best) {
            best = last.nats();
            bestAt = at;
            sinceBest = 0;
            return true;
        }
        sinceBest++;
        return false;
    }

    /** A run resumed from a checkpoint continues its predecessor's best. */
    void restoreBest(double loss, String at) {
        best = loss;
        bestAt = at;
    }

    static String describe(Evaluator.Result r) {
        return String.format(Locale.ROOT, "val loss %.4f (perplexity %.2f, %.3f bits/token)", r.nats(), r.perplexity(), r.bits());
    }
}
