package dev.vecrnn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Cells;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimizers' state layouts and factory, and several steps of each against torch's update rules
 * recomputed in double, applied on uneven splits of the parameters as the trainer applies them.
 */
class OptimizerTest {
    static final TensorTable TABLE = RnnModel.parameterTable(Cells.stack("rnn", 1), 28, 16);

    @Test
    void stateMirrorsTheParameters() {
        assertEquals(List.of(), new Sgd(TABLE).state());
        List<TensorSpec> adam = new Adam(TABLE).state();
        assertEquals(List.of(new AdamW(TABLE).state()), List.of(adam), "AdamW keeps Adam's state");
        List<TensorSpec> rms = new RmsProp(TABLE).state();
        List<TensorSpec> params = TABLE.specs();
        assertEquals(2 * params.size(), adam.size());
        assertEquals(params.size(), rms.size());
        for (int j = 0; j < params.size(); j++) {
            TensorSpec p = params.get(j);
            assertEquals(new TensorSpec("exp_avg." + p.name(), p.shape()), adam.get(j));
            assertEquals(new TensorSpec("exp_avg_sq." + p.name(), p.shape()), adam.get(params.size() + j));
            assertEquals(new TensorSpec("square_avg." + p.name(), p.shape()), rms.get(j));
        }
        assertEquals("exp_avg.W_xh", adam.get(0).name());
    }

    @Test
    void factoryDefaultsArePyTorchs() {
        assertEquals(Map.of(), Optimizers.create("sgd", Map.of(), TABLE).hyperparameters());
        assertEquals(Map.of("beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weight_decay", 0.0),
                Optimizers.create("adam", Map.of(), TABLE).hyperparameters());
        assertEquals(Map.of("beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weight_decay", 0.01),
                Optimizers.create("AdamW", Map.of(), TABLE).hyperparameters());
        assertEquals(Map.of("alpha", 0.99, "eps", 1e-8, "weight_decay", 0.0),
                Optimizers.create("rmsprop", Map.of(), TABLE).hyperparameters());
        for (String n : Optimizers.NAMES) {
            Optimizer o = Optimizers.create(n, Map.of(), TABLE);
            assertEquals(n, o.name());
            assertEquals(o.hyperparameters(), Optimizers.create(n, o.hyperparameters(), TABLE).hyperparameters(), n);
        }
        Optimizer o = Optimizers.create("adamw", Optimizers.parseHyperparameters("beta2=0.95, weight_decay=0.1"), TABLE);
        assertEquals(Map.of("beta1", 0.9, "beta2", 0.95, "eps", 1e-8, "weight_decay", 0.1), o.hyperparameters());
    }

    @Test
    void factoryRefusesWhatTorchWouldRefuse() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("adagrad", Map.of(), TABLE));
        assertTrue(e.getMessage().contains("adagrad") && e.getMessage().contains("sgd, adam, adamw, rmsprop"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("adam", Map.of("momentum", 0.9), TABLE));
        assertTrue(e.getMessage().contains("momentum") && e.getMessage().contains("beta1, beta2, eps, weight_decay"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("sgd", Map.of("eps", 1e-8), TABLE));
        assertTrue(e.getMessage().contains("takes none"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Optimizers.create("adam", Map.of("beta1", 1.0), TABLE));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.create("adamw", Map.of("weight_decay", -0.1), TABLE));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.create("rmsprop", Map.of("eps", Double.NaN), TABLE));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.parseHyperparameters("beta1"));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.parseHyperparameters("beta1=x"));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.parseHyperparameters("eps=1,eps=2"));
        assertEquals(Map.of(), Optimizers.parseHyperparameters(" "));
    }

    static Stream<Arguments> optimizers() {
        List<Arguments> out = new ArrayList<>();
        for (Kernels k : KernelProvider.available()) {
            out.add(Arguments.of(k.name(), k, new Sgd(TABLE)));
            out.add(Arguments.of(k.name(), k, new Adam(TABLE, 0.8, 0.99, 1e-6, 0.05)));
            out.add(Arguments.of(k.name(), k, new AdamW(TABLE, 0.9, 0.95, 1e-8, 0.1)));
            out.add(Arguments.of(k.name(), k, new RmsProp(TABLE, 0.9, 1e-6, 0.02)));
        }
        return out.stream();
    }

    /**
     * Four steps with fresh gradients, clipping factors and rates, applied on uneven splits, against a
     * double-precision reference of torch's rule; and the splits give the same bits as one pass.
     */
    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("optimizers")
    void stepsFollowTorchsRule(String kernels, Kernels k, Optimizer o) {
        int n = TABLE.size();
        Random r = new Random(11);
        TensorTable stateTable = new TensorTable(o.state());
        Slab params = new Slab(new float[n + 5], TABLE, 5), grads = new Slab(new float[n + 3], TABLE, 3);
        Slab state = new Slab(new float[stateTable.size() + 7], stateTable, 7);
        Slab params1 = Slab.allocate(TABLE), state1 = Slab.allocate(stateTable);
        for (int j = 0; j < n; j++) params.data()[5 + j] = params1.data()[j] = (float) r.nextGaussian();
        double[] p = new double[n], m = new double[n], v = new double[n];
        double[] mBound = new double[n]; // Σ|terms| of m: its rounding error scales with this, not with |m|
        for (int j = 0; j < n; j++) p[j] = params1.data()[j];
        int[] cuts = {0, 1, 97, 98, 500, n};
        for (int step = 1; step <= 4; step++) {
            float lr = 0.01f * step, scale = step == 2 ? 1f : 0.3f + 0.1f * step;
            for (int j = 0; j < n; j++) grads.data()[3 + j] = j % 9 == 0 ? 0f : (float) r.nextGaussian();
            for (int c = 0; c + 1 < cuts.length; c++) o.step(k, params, grads, state, cuts[c], cuts[c + 1], lr, scale, step);
            o.step(k, params1, new Slab(grads.data(), TABLE, 3), state1, 0, n, lr, scale, step);
            reference(o, p, m, v, grads.data(), 3, lr, scale, step);
            for (int j = 0; j < n; j++) mBound[j] = 0.9 * mBound[j] + Math.abs(grads.data()[3 + j] * scale) + Math.abs(p[j]) * 0.1;
        }
        for (int j = 0; j < n; j++) {
            float got = params.data()[5 + j];
            assertEquals(Float.floatToRawIntBits(params1.data()[j]), Float.floatToRawIntBits(got), "splits changed the bits at " + j);
            assertEquals(p[j], got, 1e-6 * Math.max(1, Math.abs(p[j])), o.name() + " parameter " + j);
        }
        float[] flatState = java.util.Arrays.copyOfRange(state.data(), 7, 7 + stateTable.size());
        assertArrayEquals(state1.data(), flatState, "state from splits");
        if (o instanceof RmsProp) for (int j = 0; j < n; j++) assertEquals(v[j], flatState[j], 1e-6 * v[j] + 1e-30, "square_avg " + j);
        if (!(o instanceof Adam || o instanceof AdamW)) return;
        for (int j = 0; j < n; j++) {
            assertEquals(m[j], flatState[j], 1e-6 * mBound[j], "exp_avg " + j);
            assertEquals(v[j], flatState[n + j], 1e-6 * v[j] + 1e-12, "exp_avg_sq " + j);
        }
    }

    /** torch 1.13's single-tensor Adam, AdamW and RMSprop, and SGD, in double. */
    static void reference(Optimizer o, double[] p, double[] m, double[] v, float[] grad, int gOff, float lr, float scale, int step) {
        Map<String, Double> h = o.hyperparameters();
        for (int j = 0; j < p.length; j++) {
            double g = (double) grad[gOff + j] * scale;
            switch (o.name()) {
                case "sgd" -> p[j] -= lr * g;
                case "adam", "adamw" -> {
                    double b1 = h.get("beta1"), b2 = h.get("beta2"), wd = h.get("weight_decay");
                    if (o.name().equals("adamw")) p[j] *= 1 - lr * wd;
                    else g += wd * p[j];
                    m[j] = b1 * m[j] + (1 - b1) * g;
                    v[j] = b2 * v[j] + (1 - b2) * g * g;
                    double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
                    p[j] -= lr / bc1 * m[j] / (Math.sqrt(v[j]) / Math.sqrt(bc2) + h.get("eps"));
                }
                case "rmsprop" -> {
                    double a = h.get("alpha");
                    g += h.get("weight_decay") * p[j];
                    v[j] = a * v[j] + (1 - a) * g * g;
                    p[j] -= lr * g / (Math.sqrt(v[j]) + h.get("eps"));
                }
                default -> throw new AssertionError(o.name());
            }
        }
    }

    @Test
    void stepsCountFromOneAndStayInRange() {
        Slab params = Slab.allocate(TABLE), grads = Slab.allocate(TABLE);
        Adam adam = new Adam(TABLE);
        Slab state = Slab.allocate(new TensorTable(adam.state()));
        Kernels k = KernelProvider.scalar();
        assertThrows(IllegalArgumentException.class, () -> adam.step(k, params, grads, state, 0, TABLE.size(), 0.01f, 1f, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> adam.step(k, params, grads, state, 0, TABLE.size() + 1, 0.01f, 1f, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> adam.step(k, params, grads, state, 5, 4, 0.01f, 1f, 1));
    }
}
