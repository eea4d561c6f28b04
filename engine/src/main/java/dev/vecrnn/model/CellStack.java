package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;

/**
 * d2l 9.3's deep RNN: layer 0 reads the tokens, layer l reads layer l−1's outputs of the same steps, the
 * output layer reads the top one; each layer has its own state. A chunk runs each layer over all steps
 * before the next, so a layer's input products are one GEMM, and backward walks the layers down with the
 * input gradients in two buffers used in turn ({@code dOut} and {@code stack.dx}).
 *
 * <p>The state of a chunk of {@code rows} sequences is each layer's in turn ({@code rows·stateSize} floats
 * per layer, as the layer lays it out).
 */
public final class CellStack {
    private final Cell[] layers;
    private static final String DX = "stack.dx";

    CellStack(Cell... layers) {
        this.layers = layers.clone();
    }

    public int size() { return layers.length; }

    public Cell layer(int l) { return layers[l]; }

    public Cell top() { return layers[layers.length - 1]; }

    /** The cell type of every layer. */
    public String type() { return layers[0].type(); }

    public List<TensorSpec> parameters(int vocab, int hidden) {
        List<TensorSpec> out = new ArrayList<>();
        for (Cell c : layers) out.addAll(c.parameters(vocab, hidden));
        return out;
    }

    /** Floats of state per sequence, all layers. */
    public int stateSize(int hidden) {
        int n = 0;
        for (Cell c : layers) n += c.stateSize(hidden);
        return n;
    }

    /** Where layer {@code l}'s state starts within a chunk's state of {@code rows} sequences. */
    public int stateOffset(int l, int rows, int hidden) {
        int off = 0;
        for (int j = 0; j < l; j++) off += rows * layers[j].stateSize(hidden);
        return off;
    }

    public List<TensorSpec> packedBuffers(int vocab, int hidden) {
        List<TensorSpec> out = new ArrayList<>();
        for (Cell c : layers) out.addAll(c.packedBuffers(vocab, hidden));
        return out;
    }

    public List<TensorSpec> chunkBuffers(int rows, int steps, int hidden) {
        List<TensorSpec> out = new ArrayList<>();
        for (Cell c : layers) out.addAll(c.chunkBuffers(rows, steps, hidden));
        if (layers.length > 1) out.add(new TensorSpec(DX, steps, rows, hidden)); // (steps, rows, hidden)
        return out;
    }

    public void pack(Kernels k, Slab params, Slab packed, int part, int parts) {
        for (Cell c : layers) c.pack(k, params, packed, part, parts);
    }

    /** Runs every layer over all steps; see {@link Cell#forward}. */
    public void forward(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                        float[] state, int stateOff) {
        int hidden = hidden(ws);
        int s = stateOff;
        for (int l = 0; l < layers.length; l++) {
            int in = l == 0 ? 0 : layers[l - 1].outputs(ws);
            layers[l].forward(k, params, packed, ws, x, xOff, l == 0 ? null : ws.data(), in, rows, steps, state, s);
            s += rows * layers[l].stateSize(hidden);
        }
    }

    /** Offset in {@code ws.data()} of the top layer's outputs {@code (steps, rows, hidden)}. */
    public int outputs(Slab ws) {
        return top().outputs(ws);
    }

    /** Backpropagates {@code dOut} (consumed) from the top layer down; see {@link Cell#backward}. */
    public void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, int rows,
                         int steps, float[] dOut, int dOutOff) {
        float[] w = ws.data();
        float[] d = dOut;
        int dOff = dOutOff;
        for (int l = layers.length - 1; l >= 0; l--) {
            boolean toDx = d == dOut && dOff == dOutOff;
            float[] dIn = l == 0 ? null : toDx ? w : dOut;
            int dInOff = l == 0 ? 0 : toDx ? ws.off(DX) : dOutOff;
            int in = l == 0 ? 0 : layers[l - 1].outputs(ws);
            layers[l].backward(k, params, packed, ws, grads, x, xOff, l == 0 ? null : w, in, rows, steps, d, dOff, dIn, dInOff);
            d = dIn;
            dOff = dInOff;
        }
    }

    private int hidden(Slab ws) {
        return ws.table().spec(layers[0].hs).dim(2);
    }
}
