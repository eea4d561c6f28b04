package dev.vecrnn.optim;

import dev.vecrnn.model.TensorTable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Optimizers by name, for the command line: {@code sgd}, {@code adam}, {@code adamw}, {@code rmsprop}. */
public final class Optimizers {
    private Optimizers() {}

    public static final List<String> NAMES = List.of("sgd", "adam", "adamw", "rmsprop");

    /**
     * The optimizer {@code name} (case-insensitive) for {@code params}; hyperparameters absent from
     * {@code hparams} take PyTorch's defaults. Throws IllegalArgumentException for an unknown name, a
     * hyperparameter the optimizer does not have, or a value torch would refuse.
     */
    public static Optimizer create(String name, Map<String, Double> hparams, TensorTable params) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        Map<String, Double> h = new HashMap<>(hparams);
        Optimizer o = switch (n) {
            case "sgd" -> new Sgd(params);
            case "adam" -> new Adam(params, take(h, "beta1", Adam.BETA1), take(h, "beta2", Adam.BETA2),
                    take(h, "eps", Adam.EPS), take(h, "weight_decay", Adam.WEIGHT_DECAY));
            case "adamw" -> new AdamW(params, take(h, "beta1", Adam.BETA1), take(h, "beta2", Adam.BETA2),
                    take(h, "eps", Adam.EPS), take(h, "weight_decay", AdamW.WEIGHT_DECAY));
            case "rmsprop" -> new RmsProp(params, take(h, "alpha", RmsProp.ALPHA), take(h, "eps", RmsProp.EPS),
                    take(h, "weight_decay", RmsProp.WEIGHT_DECAY));
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "'; expected one of " + String.join(", ", NAMES));
        };
        if (!h.isEmpty()) {
            String takes = o.hyperparameters().isEmpty() ? "none" : String.join(", ", o.hyperparameters().keySet());
            throw new IllegalArgumentException(n + " has no hyperparameter " + String.join(", ", new java.util.TreeSet<>(h.keySet()))
                    + "; it takes " + takes);
        }
        return o;
    }

    /** {@code "beta2=0.95,weight_decay=0.1"} as a map; an empty or blank string gives an empty map. */
    public static Map<String, Double> parseHyperparameters(String spec) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) return out;
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? "" : part.substring(0, eq).trim();
            if (key.isEmpty()) throw new IllegalArgumentException("expected name=value, not '" + part.trim() + "' in '" + spec + "'");
            double value;
            try {
                value = Double.parseDouble(part.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a number, not '" + part.substring(eq + 1).trim() + "'");
            }
            if (out.put(key, value) != null) throw new IllegalArgumentException(key + " is given twice in '" + spec + "'");
        }
        return out;
    }

    /** State tensors per parameter of optimizer {@code name} with its defaults: what the memory budget counts. */
    public static int stateCopies(String name) {
        TensorTable one = new TensorTable(List.of(new dev.vecrnn.model.TensorSpec("p", 1)));
        return create(name, Map.of(), one).state().size();
    }

    private static double take(Map<String, Double> h, String key, double dflt) {
        Double v = h.remove(key);
        return v == null ? dflt : v;
    }
}
