package dev.vecrnn.optim;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.List;
import java.util.Map;

/** d2l's minibatch SGD, {@code p −= lr · gradScale · g}; no state. */
public final class Sgd implements Optimizer {
    private final TensorTable params;

    public Sgd(TensorTable params) {
        this.params = params;
    }

    @Override public String name() { return "sgd"; }

    @Override public Map<String, Double> hyperparameters() { return Map.of(); }

    @Override public TensorTable params() { return params; }

    @Override public String toString() { return name() + hyperparameters(); }

    @Override public List<TensorSpec> state() { return List.of(); }

    @Override
    public void step(Kernels k, Slab params, Slab grads, Slab state, int from, int to, float lr, float gradScale, long step) {
        StateTensors.checkRange(this.params, from, to, step);
        // −lr·gradScale rounded once to float, then one fma per element: the trainer's update before there
        // were optimizers, so d2l runs keep their bits.
        k.axpy(-lr * gradScale, grads.data(), grads.base() + from, params.data(), params.base() + from, to - from);
    }
}
