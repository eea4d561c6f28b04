package dev.vecrnn.optim;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torch's {@code torch.optim.RMSprop} without momentum or centring: {@code weight_decay} is an L2 term
 * added to the gradient. State: {@code square_avg.<param>} for every parameter.
 */
public final class RmsProp implements Optimizer {
    public static final double ALPHA = 0.99, EPS = 1e-8, WEIGHT_DECAY = 0;

    private final TensorTable params;
    private final double alpha, eps, weightDecay;

    public RmsProp(TensorTable params) {
        this(params, ALPHA, EPS, WEIGHT_DECAY);
    }

    public RmsProp(TensorTable params, double alpha, double eps, double weightDecay) {
        this.params = params;
        this.alpha = StateTensors.check("alpha", alpha, 1);
        this.eps = StateTensors.check("eps", eps, Double.POSITIVE_INFINITY);
        this.weightDecay = StateTensors.check("weight_decay", weightDecay, Double.POSITIVE_INFINITY);
    }

    @Override public String name() { return "rmsprop"; }

    @Override
    public Map<String, Double> hyperparameters() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("alpha", alpha);
        h.put("eps", eps);
        h.put("weight_decay", weightDecay);
        return h;
    }

    @Override public TensorTable params() { return params; }

    @Override public String toString() { return name() + hyperparameters(); }

    @Override public List<TensorSpec> state() { return StateTensors.mirror("square_avg", params); }

    @Override
    public void step(Kernels k, Slab params, Slab grads, Slab state, int from, int to, float lr, float gradScale, long step) {
        StateTensors.checkRange(this.params, from, to, step);
        k.rmspropStep(params.data(), params.base() + from, grads.data(), grads.base() + from, state.data(), state.base() + from,
                to - from, gradScale, (float) weightDecay, (float) alpha, (float) (1 - alpha), lr, (float) eps);
    }
}
