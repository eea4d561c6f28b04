package dev.vecrnn.cli;

import dev.vecrnn.model.TensorTable;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.Optimizers;
import dev.vecrnn.optim.Schedule;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The update rule and the learning-rate schedule. The defaults are d2l's (plain SGD at a constant rate); the
 * other optimizers' hyperparameters default to PyTorch's, so an option left out means what it means there.
 * A hyperparameter the chosen optimizer does not have (--alpha with adam) is refused rather than ignored.
 */
public final class OptimizerOptions {
    @Option(names = "--optimizer", paramLabel = "sgd|adam|adamw|rmsprop", defaultValue = "sgd",
            description = "Update rule: d2l's SGD, or torch's Adam, AdamW (decoupled weight decay) or RMSprop. Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--beta1", paramLabel = "B", description = "Adam/AdamW first-moment decay. Default: 0.9 (PyTorch's).")
    Double beta1;

    @Option(names = "--beta2", paramLabel = "B", description = "Adam/AdamW second-moment decay. Default: 0.999 (PyTorch's).")
    Double beta2;

    @Option(names = "--eps", paramLabel = "E", description = "Adam/AdamW/RMSprop denominator term. Default: 1e-8 (PyTorch's).")
    Double eps;

    @Option(names = "--weight-decay", paramLabel = "W",
            description = "L2 term (Adam, RMSprop) or decoupled decay (AdamW). Default: 0, 0.01 for AdamW (PyTorch's).")
    Double weightDecay;

    @Option(names = "--alpha", paramLabel = "A", description = "RMSprop square-average decay. Default: 0.99 (PyTorch's).")
    Double alpha;

    @Option(names = "--lr-schedule", paramLabel = "constant|cosine|step", defaultValue = "constant",
            description = "Learning rate per minibatch: constant, cosine decay to --lr-min over the whole run, or a decay by "
                    + "--lr-gamma every --lr-step-every minibatches; all after --warmup. Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0",
            description = "Minibatches of linear warmup from lr/N to --lr. Default: ${DEFAULT-VALUE}.")
    long warmup;

    @Option(names = "--lr-min", paramLabel = "RATE", defaultValue = "0",
            description = "Where the cosine schedule ends. Default: ${DEFAULT-VALUE}.")
    double lrMin;

    @Option(names = "--lr-step-every", paramLabel = "N", defaultValue = "1000",
            description = "Minibatches between decays of the step schedule. Default: ${DEFAULT-VALUE}.")
    long stepEvery;

    @Option(names = "--lr-gamma", paramLabel = "G", defaultValue = "0.1",
            description = "Factor of each decay of the step schedule. Default: ${DEFAULT-VALUE}.")
    double gamma;

    String name() {
        String n = optimizer.trim().toLowerCase(Locale.ROOT);
        if (!Optimizers.NAMES.contains(n)) {
            throw UserException.usage("--optimizer must be one of " + String.join(", ", Optimizers.NAMES) + ", not '" + optimizer + "'");
        }
        return n;
    }

    /** The hyperparameters given on the command line, by {@link Optimizers#create}'s names. */
    Map<String, Double> given() {
        Map<String, Double> h = new LinkedHashMap<>();
        if (beta1 != null) h.put("beta1", beta1);
        if (beta2 != null) h.put("beta2", beta2);
        if (eps != null) h.put("eps", eps);
        if (weightDecay != null) h.put("weight_decay", weightDecay);
        if (alpha != null) h.put("alpha", alpha);
        return h;
    }

    /** The optimizer for {@code params}, or a usage error naming the option at fault. */
    Optimizer create(TensorTable params) {
        try {
            return Optimizers.create(name(), given(), params);
        } catch (IllegalArgumentException e) {
            throw UserException.usage("--optimizer " + name() + ": " + e.getMessage().replace("weight_decay", "weight-decay"));
        }
    }

    Schedule.Kind kind() {
        try {
            return Schedule.kind(schedule);
        } catch (IllegalArgumentException e) {
            throw UserException.usage("--lr-schedule: " + e.getMessage());
        }
    }

    /** Checks every value without a model: the optimizer is built on a one-parameter table. */
    void validate() {
        create(new TensorTable(java.util.List.of(new dev.vecrnn.model.TensorSpec("p", 1))));
        kind();
        if (warmup < 0) throw UserException.usage("--warmup must be 0 or positive, not " + warmup);
        if (!(lrMin >= 0) || Double.isInfinite(lrMin)) throw UserException.usage("--lr-min must be 0 or a positive number, not " + lrMin);
        if (stepEvery <= 0) throw UserException.usage("--lr-step-every must be positive, not " + stepEvery);
        if (!(gamma > 0 && gamma <= 1)) throw UserException.usage("--lr-gamma must be in (0, 1], not " + gamma);
    }

    /**
     * The schedule for a run of {@code totalSteps} minibatches at rate {@code lr}, or null for d2l's constant rate
     * without warmup (the trainer then keeps {@code lr} and d2l's runs keep their bits).
     */
    Schedule schedule(double lr, long totalSteps) {
        return schedule(kind(), lr, warmup, totalSteps, lrMin, stepEvery, gamma);
    }

    static Schedule schedule(Schedule.Kind kind, double lr, long warmup, long totalSteps, double lrMin, long every, double gamma) {
        if (kind == Schedule.Kind.CONSTANT && warmup == 0) return null;
        try {
            return switch (kind) {
                case CONSTANT -> Schedule.constant(lr, warmup);
                case COSINE -> Schedule.cosine(lr, warmup, totalSteps, lrMin);
                case STEP -> Schedule.step(lr, warmup, every, gamma);
            };
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            if (kind == Schedule.Kind.COSINE && m.contains("lrMin")) m = "--lr-min " + lrMin + " must not exceed --lr " + lr;
            else if (m.contains("total steps")) m = "--warmup " + warmup + " must be below the run's " + totalSteps + " minibatches";
            throw UserException.usage("--lr-schedule " + kind.name().toLowerCase(Locale.ROOT) + ": " + m);
        }
    }

    /** The schedule as the metadata records it, e.g. {@code cosine}, with its numbers in {@link #metadata}. */
    static Map<String, String> metadata(Schedule s) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("lr_schedule", s == null ? "constant" : s.kind().name().toLowerCase(Locale.ROOT));
        if (s == null) return m;
        m.put("warmup", Long.toString(s.warmup()));
        if (s.kind() == Schedule.Kind.COSINE) {
            m.put("lr_min", Double.toString(s.lrMin()));
            m.put("lr_total_steps", Long.toString(s.total()));
        }
        if (s.kind() == Schedule.Kind.STEP) {
            m.put("lr_step_every", Long.toString(s.every()));
            m.put("lr_gamma", Double.toString(s.gamma()));
        }
        return m;
    }
}
