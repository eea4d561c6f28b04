package dev.vecrnn.optim;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torch 1.13's {@code torch.optim.Adam} (not amsgrad): {@code weight_decay} is an L2 term added to the
 * gradient. State: {@code exp_avg.<param>} for every parameter, then {@code exp_avg_sq.<param>}.
 */
public final class Adam implements Optimizer {
    public static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8, WEIGHT_DECAY = 0;

    private final TensorTable params;
    private final double beta1, beta2, eps, weightDecay;

    public Adam(TensorTable params) {
        this(params, BETA1, BETA2, EPS, WEIGHT_DECAY);
    }

    public Adam(TensorTable params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = params;
        this.beta1 = StateTensors.check("beta1", beta1, 1);
        this.beta2 = StateTensors.check("beta2", beta2, 1);
        this.eps = StateTensors.check("eps", eps, Double.POSITIVE_INFINITY);
        this.weightDecay = StateTensors.check("weight_decay", weightDecay, Double.POSITIVE_INFINITY);
    }

    @Override public String name() { return "adam"; }

    @Override public Map<String, Double> hyperparameters() { return hyperparameters(beta1, beta2, eps, weightDecay); }

    @Override public TensorTable params() { return params; }

    @Override public String toString() { return name() + hyperparameters(); }

    @Override public List<TensorSpec> state() { return state(params); }

    @Override
    public void step(Kernels k, Slab params, Slab grads, Slab state, int from, int to, float lr, float gradScale, long step) {
        update(k, this.params, params, grads, state, from, to, lr, gradScale, step, beta1, beta2, eps, weightDecay, 1f);
    }

    static Map<String, Double> hyperparameters(double beta1, double beta2, double eps, double weightDecay) {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("beta1", beta1);
        h.put("beta2", beta2);
        h.put("eps", eps);
        h.put("weight_decay", weightDecay);
        return h;
    }

    static List<TensorSpec> state(TensorTable params) {
        return TensorTable.of(StateTensors.mirror("exp_avg", params), StateTensors.mirror("exp_avg_sq", params)).specs();
    }

    /** Adam and AdamW: the scalars in double as torch forms them from Python floats, rounded to float once. */
    static void update(Kernels k, TensorTable table, Slab params, Slab grads, Slab state, int from, int to,
                       float lr, float gradScale, long step, double beta1, double beta2, double eps, double l2, float decay) {
        StateTensors.checkRange(table, from, to, step);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        int m = state.base() + from, v = m + table.size();
        k.adamStep(params.data(), params.base() + from, grads.data(), grads.base() + from, state.data(), m, state.data(), v,
                to - from, gradScale, (float) l2, decay, (float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2),
                (float) (lr / bc1), (float) Math.sqrt(bc2), (float) eps);
    }
}
