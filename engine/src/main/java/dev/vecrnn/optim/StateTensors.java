package dev.vecrnn.optim;

import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.ArrayList;
import java.util.List;

/** Names and checks shared by the optimizers' state layouts. */
final class StateTensors {
    private StateTensors() {}

    /** One tensor per parameter, {@code prefix.name}, same shape, in the parameters' order. */
    static List<TensorSpec> mirror(String prefix, TensorTable params) {
        List<TensorSpec> out = new ArrayList<>();
        for (TensorSpec s : params.specs()) out.add(new TensorSpec(prefix + "." + s.name(), s.shape()));
        return out;
    }

    static void checkRange(TensorTable params, int from, int to, long step) {
        if (from < 0 || to > params.size() || from > to) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") of " + params.size() + " parameters");
        }
        if (step < 1) throw new IllegalArgumentException("steps count from 1, not " + step);
    }

    /** torch's checks: {@code 0 ≤ value < upper} (upper exclusive for betas and alpha, else unbounded). */
    static double check(String name, double value, double upper) {
        if (!(value >= 0 && value < upper)) {
            throw new IllegalArgumentException(name + " must be in [0, " + upper + "), not " + value);
        }
        return value;
    }
}
