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

    private final String[] droppedNames; // names of the layers' masked outputs, built once: a step allocates nothing

    CellStack(Cell... layers) {
        this.layers = layers.clone();
        droppedNames = new String[layers.length];
        for (int l = 0; l < layers.length; l++) droppedNames[l] = "l" + l + ".dropped";
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

    /** Every layer's {@link Cell#gradientsSetWhole}. */
    public List<String> gradientsSetWhole() {
        List<String> out = new ArrayList<>();
        for (Cell c : layers) out.addAll(c.gradientsSetWhole());
        return out;
    }

    public void pack(Kernels k, Slab params, Slab packed, int part, int parts) {
        for (Cell c : layers) c.pack(k, params, packed, part, parts);
    }

    /** Runs every layer over all steps; see {@link Cell#forward}. */
    public void forward(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                        float[] state, int stateOff) {
        forward(k, params, packed, ws, x, xOff, rows, steps, state, stateOff, null, null, 0, 0, null);
    }

    /**
     * As above with dropout {@code drop} (null: none) of step {@code step} on the chunk whose row 0 is sequence
     * {@code firstRow} of the minibatch: each layer's outputs go through their mask into {@code dropped}
     * ({@link #dropoutBuffers}), which the layer above and {@link #outputs(Slab, Slab)} read. The layer's own
     * outputs stay as they are: its backward reads them as the previous step's state. With a {@code frame}
     * (null: none) each layer's steps run as a task over the rows, which the kernels may split across a team.
     */
    public void forward(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows, int steps,
                        float[] state, int stateOff, Dropout drop, Slab dropped, long step, int firstRow,
                        LayerTask frame) {
        int hidden = hidden(ws);
        int s = stateOff;
        for (int l = 0; l < layers.length; l++) {
            float[] in = l == 0 ? null : drop == null ? ws.data() : dropped.data();
            int inOff = l == 0 ? 0 : drop == null ? layers[l - 1].outputs(ws) : dropped.off(droppedName(l - 1));
            layers[l].forward(k, params, packed, ws, x, xOff, in, inOff, rows, steps, state, s, frame);
            if (drop != null) {
                drop.apply(k, step, l, firstRow, rows, steps, hidden, ws.data(), layers[l].outputs(ws),
                        dropped.data(), dropped.off(droppedName(l)));
            }
            s += rows * layers[l].stateSize(hidden);
        }
    }

    /** Per chunk, for training with dropout: each layer's outputs after their mask, {@code (steps, rows, hidden)}. */
    public List<TensorSpec> dropoutBuffers(int rows, int steps, int hidden) {
        List<TensorSpec> out = new ArrayList<>();
        for (int l = 0; l < layers.length; l++) out.add(new TensorSpec(droppedName(l), steps, rows, hidden));
        return out;
    }

    private String droppedName(int layer) {
        return droppedNames[layer];
    }

    /** Where the output layer reads the top layer's outputs: in {@code dropped} with dropout (non-null), else in {@code ws}. */
    public float[] outputArray(Slab ws, Slab dropped) {
        return dropped == null ? ws.data() : dropped.data();
    }

    /** The offset in {@link #outputArray} of the top layer's outputs {@code (steps, rows, hidden)}. */
    public int outputs(Slab ws, Slab dropped) {
        return dropped == null ? outputs(ws) : dropped.off(droppedName(layers.length - 1));
    }

    /** Offset in {@code ws.data()} of the top layer's outputs {@code (steps, rows, hidden)}. */
    public int outputs(Slab ws) {
        return top().outputs(ws);
    }

    /** Backpropagates {@code dOut} (consumed) from the top layer down; see {@link Cell#backward}. */
    public void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, int rows,
                         int steps, float[] dOut, int dOutOff) {
        backward(k, params, packed, ws, grads, x, xOff, rows, steps, dOut, dOutOff, null, null, 0, 0, null);
    }

    /**
     * As above through the last {@link #forward} with dropout: {@code dOut} is the gradient of the top layer's
     * dropped outputs. Each mask is drawn again from its key and applied to the gradient in place.
     */
    public void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff, int rows,
                         int steps, float[] dOut, int dOutOff, Dropout drop, Slab dropped, long step, int firstRow,
                         LayerTask frame) {
        float[] w = ws.data();
        int hidden = hidden(ws);
        float[] d = dOut;
        int dOff = dOutOff;
        if (drop != null) drop.apply(k, step, layers.length - 1, firstRow, rows, steps, hidden, d, dOff, d, dOff);
        for (int l = layers.length - 1; l >= 0; l--) {
            boolean toDx = d == dOut && dOff == dOutOff;
            float[] dIn = l == 0 ? null : toDx ? w : dOut;
            int dInOff = l == 0 ? 0 : toDx ? ws.off(DX) : dOutOff;
            float[] in = l == 0 ? null : drop == null ? w : dropped.data();
            int inOff = l == 0 ? 0 : drop == null ? layers[l - 1].outputs(ws) : dropped.off(droppedName(l - 1));
            layers[l].backward(k, params, packed, ws, grads, x, xOff, in, inOff, rows, steps, d, dOff, dIn, dInOff, frame);
            if (l > 0 && drop != null) drop.apply(k, step, l - 1, firstRow, rows, steps, hidden, dIn, dInOff, dIn, dInOff);
            d = dIn;
            dOff = dInOff;
        }
    }

    private int hidden(Slab ws) {
        return ws.table().spec(layers[0].hs).dim(2);
    }
}
