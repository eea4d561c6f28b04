package dev.vecrnn.optim;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.List;
import java.util.Map;

/**
 * torch 1.13's {@code torch.optim.AdamW}: Adam with decoupled weight decay, {@code p *= 1 − lr·weight_decay}
 * before the Adam update, on every entry whatever its gradient. Same state as {@link Adam}.
 */
public final class AdamW implements Optimizer {
    public static final double WEIGHT_DECAY = 0.01;

    private final TensorTable params;
    private final double beta1, beta2, eps, weightDecay;

    public AdamW(TensorTable params) {
        this(params, Adam.BETA1, Adam.BETA2, Adam.EPS, WEIGHT_DECAY);
    }

    public AdamW(TensorTable params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = params;
        this.beta1 = StateTensors.check("beta1", beta1, 1);
        this.beta2 = StateTensors.check("beta2", beta2, 1);
        this.eps = StateTensors.check("eps", eps, Double.POSITIVE_INFINITY);
        this.weightDecay = StateTensors.check("weight_decay", weightDecay, Double.POSITIVE_INFINITY);
    }

    @Override public String name() { return "adamw"; }

    @Override public Map<String, Double> hyperparameters() { return Adam.hyperparameters(beta1, beta2, eps, weightDecay); }

    @Override public TensorTable params() { return params; }

    @Override public String toString() { return name() + hyperparameters(); }

    @Override public List<TensorSpec> state() { return Adam.state(params); }

    @Override
    public void step(Kernels k, Slab params, Slab grads, Slab state, int from, int to, float lr, float gradScale, long step) {
        Adam.update(k, this.params, params, grads, state, from, to, lr, gradScale, step, beta1, beta2, eps, 0,
                (float) (1 - (double) lr * weightDecay));
    }
}
