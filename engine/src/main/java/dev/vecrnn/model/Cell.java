package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import java.util.List;

/**
 * A recurrent cell: the recurrence over {@code steps} time steps and its backward, for a chunk of
 * {@code rows} independent sequences. The plain tanh RNN is one; GRU and LSTM (d2l 9.1–9.2) are others,
 * with more gate parameters, a wider carried state (LSTM: {@code h} and {@code c}) and their own fused
 * gate kernels, but the same calls.
 *
 * <p>Every buffer a cell touches comes from a table it declares, so the trainer can lay all of them out in
 * one arena once and never allocate per step. Layouts inside a chunk are step-major: row {@code t·rows + i}
 * is sequence {@code i} at step {@code t}.
 */
public interface Cell {

    /** The cell type as stored in checkpoints, e.g. {@code "rnn"}. */
    String type();

    /** The cell's parameters with d2l's names and shapes, in checkpoint order. */
    List<TensorSpec> parameters(int vocab, int hidden);

    /** Floats of state carried from one minibatch to the next, per sequence. */
    int stateSize(int hidden);

    /** Buffers derived from the parameters once per minibatch (transposed weights), shared by all chunks. */
    List<TensorSpec> packedBuffers(int vocab, int hidden);

    /** Per-chunk working buffers for {@code rows} sequences over {@code steps}. */
    List<TensorSpec> chunkBuffers(int rows, int steps, int hidden);

    /**
     * Fills part {@code part} of {@code parts} of {@code packed} from {@code params}; called once per minibatch
     * for every part, possibly on different threads, before any chunk runs.
     */
    void pack(Kernels k, Slab params, Slab packed, int part, int parts);

    /**
     * Runs the recurrence: {@code x (steps, rows)} token ids, {@code state (rows, stateSize)} in and, on
     * return, out. Leaves in {@code ws} what {@link #backward} needs.
     */
    void forward(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                 float[] state, int stateOff);

    /** Offset in {@code ws.data()} of the outputs {@code (steps, rows, hidden)} the last forward wrote. */
    int outputs(Slab ws);

    /**
     * Backpropagates {@code dOut (steps, rows, hidden)} (consumed: the cell may overwrite it) through the
     * last forward of this chunk, adding parameter gradients into {@code grads}, which mirrors the params.
     * The gradient does not flow into the initial state: it is detached, as d2l detaches it.
     */
    void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, int rows,
                  int steps, float[] dOut, int dOutOff);
}
