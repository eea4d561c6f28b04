package dev.vecrnn.optim;

import java.util.Locale;

/**
 * The learning rate as a pure function of the step, nanoGPT's way: a linear warmup, then constant, a
 * cosine decay to {@code lrMin}, or a decay by {@code gamma} every {@code every} steps.
 *
 * <p>{@code step} counts the optimizer steps already taken, from 0. Warmup gives step {@code s <
 * warmup} the rate {@code lr·(s+1)/warmup}: the first step already moves, and the last warmup step reaches
 * {@code lr}. After warmup, with {@code s' = s − warmup}:
 * <ul>
 *   <li>constant: {@code lr};
 *   <li>cosine: {@code lrMin + (lr − lrMin)·(1 + cos(π·s'/(total − warmup)))/2} up to step {@code total},
 *       then {@code lrMin};
 *   <li>step: {@code lr·gamma^⌊s'/every⌋}, so the decays count from the end of warmup.
 * </ul>
 */
public record Schedule(Kind kind, double lr, long warmup, long total, double lrMin, long every, double gamma) {

    public enum Kind { CONSTANT, COSINE, STEP }

    public Schedule {
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("lr must be a positive finite number, not " + lr);
        if (warmup < 0) throw new IllegalArgumentException("warmup must not be negative, not " + warmup);
        switch (kind) {
            case CONSTANT -> { }
            case COSINE -> {
                if (total <= warmup) throw new IllegalArgumentException("a cosine schedule needs total steps (" + total + ") beyond warmup (" + warmup + ")");
                if (!(lrMin >= 0 && lrMin <= lr)) throw new IllegalArgumentException("lrMin must be in [0, lr], not " + lrMin);
            }
            case STEP -> {
                if (every <= 0) throw new IllegalArgumentException("a step schedule decays every N > 0 steps, not " + every);
                if (!(gamma > 0 && gamma <= 1)) throw new IllegalArgumentException("gamma must be in (0, 1], not " + gamma);
            }
        }
    }

    public static Schedule constant(double lr, long warmup) {
        return new Schedule(Kind.CONSTANT, lr, warmup, 0, lr, 0, 1);
    }

    public static Schedule cosine(double lr, long warmup, long total, double lrMin) {
        return new Schedule(Kind.COSINE, lr, warmup, total, lrMin, 0, 1);
    }

    public static Schedule step(double lr, long warmup, long every, double gamma) {
        return new Schedule(Kind.STEP, lr, warmup, 0, lr, every, gamma);
    }

    /** {@code constant}, {@code cosine} or {@code step} (case-insensitive), for the command line. */
    public static Kind kind(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "constant" -> Kind.CONSTANT;
            case "cosine" -> Kind.COSINE;
            case "step" -> Kind.STEP;
            default -> throw new IllegalArgumentException("unknown schedule '" + name + "'; expected one of constant, cosine, step");
        };
    }

    /** The rate for the step taken after {@code step} others. */
    public float lr(long step) {
        if (step < 0) throw new IllegalArgumentException("steps count from 0, not " + step);
        if (step < warmup) return (float) (lr * (step + 1) / warmup);
        long s = step - warmup;
        return (float) switch (kind) {
            case CONSTANT -> lr;
            case COSINE -> step >= total ? lrMin
                    : lrMin + (lr - lrMin) * 0.5 * (1 + Math.cos(Math.PI * s / (total - warmup)));
            case STEP -> lr * Math.pow(gamma, s / every);
        };
    }
}
