package dev.vecrnn.optim;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.model.Slab;
import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import java.util.List;
import java.util.Map;

/**
 * An update rule over the flat parameter buffer of one {@link TensorTable}.
 *
 * <p>Its state (Adam's moments, RMSprop's square average) is a list of named tensors, each mirroring a
 * parameter ({@code exp_avg.W_xh}, …), laid end to end as {@link #state()} lists them: the trainer keeps
 * them in its arena, so a step allocates nothing, and a checkpoint can save them as it saves the
 * parameters. Every rule is elementwise, so the trainer may run {@link #step} on any split of the
 * parameters in parallel and still get the same bits.
 */
public sealed interface Optimizer permits Sgd, Adam, AdamW, RmsProp {

    /** The name {@link Optimizers#create} takes: {@code sgd}, {@code adam}, {@code adamw} or {@code rmsprop}. */
    String name();

    /** The hyperparameters besides the learning rate, by the names {@link Optimizers#create} takes. */
    Map<String, Double> hyperparameters();

    /** The parameters this optimizer was built for. */
    TensorTable params();

    /** The state tensors, in their order in the flat state region; empty for SGD. */
    List<TensorSpec> state();

    /**
     * Updates the parameters {@code [from, to)} (flat indices into {@link #params()}) and their state.
     *
     * @param params    the parameters, laid out by {@link #params()}
     * @param grads     the gradients before clipping, laid out alike
     * @param state     the state, laid out by {@link #state()}; zero before the first step
     * @param lr        this step's learning rate
     * @param gradScale the clipping factor: the gradient used is {@code g · gradScale}
     * @param step      the number of this step, from 1 (Adam's bias corrections depend on it)
     */
    void step(Kernels k, Slab params, Slab grads, Slab state, int from, int to, float lr, float gradScale, long step);
}
