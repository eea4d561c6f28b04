package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import dev.vecrnn.kernels.Layout;
import dev.vecrnn.kernels.PackedPanel;
import java.util.ArrayList;
import java.util.List;

/**
 * One recurrent layer — d2l's tanh RNN (8.5), GRU (9.1) or LSTM (9.2) — over {@code steps} time steps for a
 * chunk of {@code rows} independent sequences, forward and backward.
 *
 * <p>A cell's pre-activations come in {@code gates} blocks of {@code hidden} columns (RNN: h; GRU: z, r, h;
 * LSTM: i, f, o, c), each the sum of an input term {@code X·W_x*}, a recurrent term {@code H·W_h*} and a
 * bias. This class holds what all cells share: d2l's parameter names, the input term (a row gather of the
 * packed {@code W_x*} panel for layer 0, whose input is a one-hot token; one GEMM over all steps for a layer
 * that reads the layer below), and the weight gradients, which run as one GEMM per weight over all steps
 * once the recurrence has been walked back. Subclasses hold the recurrence and its fused gate kernels.
 *
 * <p>Every buffer comes from tables the cell declares, so the trainer lays all of them out in one arena
 * once. Layouts inside a chunk are step-major: row {@code t·rows + i} is sequence {@code i} at step {@code t}.
 * Workspace and packed names carry the layer ({@code l0.hs}) so the layers of a stack share one table.
 */
public abstract class Cell {
    private final String type;
    /** Blocks of pre-activations per step. */
    protected final int gates;
    /** 0 reads tokens; above, the layer below's outputs. */
    protected final int layer;
    /** d2l's names: {@code W_x*}, {@code W_h*}, {@code b_*} per block, in {@code get_params} order. */
    protected final String[] wx, wh, b;
    /** Packed per minibatch: {@code W_x*} side by side {@code (in, gates·hidden)}, its transpose, the biases. */
    protected final String wxPanel, wxPanelT, biasPanel;
    /** Workspace: {@code (steps+1, rows, hidden)} outputs, {@code hs[0]} the initial state; the input terms. */
    protected final String hs, xp;
    private final String[] stateH; // built once: forward allocates nothing

    protected Cell(String type, String[] blocks, int layer, String prefix) {
        this(type, blocks, blocks, layer, prefix);
    }

    /** With bias names {@code b_<biases[g]>} that need not be the block letters (PyTorch's GRU: {@code b_xh}). */
    protected Cell(String type, String[] blocks, String[] biases, int layer, String prefix) {
        this.type = type;
        this.gates = blocks.length;
        this.layer = layer;
        wx = new String[gates];
        wh = new String[gates];
        b = new String[gates];
        for (int g = 0; g < gates; g++) {
            wx[g] = prefix + "W_x" + blocks[g];
            wh[g] = prefix + "W_h" + blocks[g];
            b[g] = prefix + "b_" + biases[g];
        }
        wxPanel = local("Wx");
        wxPanelT = local("Wx_T");
        biasPanel = local("b");
        hs = local("hs");
        xp = local("xp");
        stateH = new String[] {hs};
    }

    /** A workspace or packed buffer's name in this layer. */
    protected final String local(String name) {
        return "l" + layer + "." + name;
    }

    /** The cell type as stored in checkpoints: {@code rnn}, {@code gru}, {@code gru-torch} or {@code lstm}. */
    public final String type() { return type; }

    public final int layer() { return layer; }

    /** Width of this layer's input: the vocabulary (one-hot tokens) for layer 0, else the hidden size. */
    protected final int inputSize(int vocab, int hidden) {
        return layer == 0 ? vocab : hidden;
    }

    /** The parameters with d2l's names and shapes, in checkpoint order. */
    public final List<TensorSpec> parameters(int vocab, int hidden) {
        List<TensorSpec> out = new ArrayList<>();
        for (int g = 0; g < gates; g++) {
            out.add(new TensorSpec(wx[g], inputSize(vocab, hidden), hidden));
            out.add(new TensorSpec(wh[g], hidden, hidden));
            out.add(new TensorSpec(b[g], hidden));
        }
        out.addAll(extraParameters(hidden));
        return out;
    }

    /** Parameters beyond one {@code W_x*, W_h*, b_*} per block, after them in checkpoint order. */
    protected List<TensorSpec> extraParameters(int hidden) {
        return List.of();
    }

    /** The hidden size of this layer's parameters. */
    protected final int hidden(Slab params) {
        return params.table().spec(b[0]).dim(0);
    }

    /** The first bias, {@code (hidden)}: its length is the hidden size. */
    public final String hiddenBias() { return b[0]; }

    /** Floats of state carried from one minibatch to the next, per sequence. */
    public int stateSize(int hidden) { return hidden; }

    /**
     * The row stride of the input panel {@code width} floats wide (row-major: layer 0 gathers its rows): at least
     * the width, a multiple of 16 floats (64 bytes), and an odd number of 64-byte lines, so a GEMM walking a few
     * of its columns down all its rows does not land every row in one L1 set, as a stride of a multiple of 4 KB
     * does (measured on Zen 5: 32x512x2048 531 µs with the dense stride of 2048 floats, 373 µs with 2080). The
     * recurrent panels, read at every step, are {@link PackedPanel}s.
     */
    protected static int padded(int width) {
        int ld = (width + 15) / 16 * 16;
        return (ld / 16) % 2 == 0 ? ld + 16 : ld;
    }

    /** Buffers derived from the parameters once per minibatch, shared by all chunks. */
    public List<TensorSpec> packedBuffers(int vocab, int hidden) {
        int in = inputSize(vocab, hidden), width = gates * hidden;
        List<TensorSpec> out = new ArrayList<>(List.of(new TensorSpec(wxPanel, in, padded(width)), new TensorSpec(biasPanel, width)));
        if (layer > 0) out.add(new TensorSpec(wxPanelT, width, in)); // for dX = dA·W_xᵀ as an NN product
        out.addAll(recurrentPanels(hidden));
        return out;
    }

    /**
     * The gradients this layer's backward writes whole, each element set by one product rather than added to:
     * every {@code W_h*}, and the {@code W_x*} of a layer above the first (a gathered row sum for layer 0). The
     * trainer zeroes only the others before a step.
     */
    public final List<String> gradientsSetWhole() {
        List<String> out = new ArrayList<>(List.of(wh));
        if (layer > 0) out.addAll(List.of(wx));
        return out;
    }

    /** The packed recurrent weights this cell's recurrence reads. */
    protected abstract List<TensorSpec> recurrentPanels(int hidden);

    /** Per-chunk working buffers for {@code rows} sequences over {@code steps}. */
    public List<TensorSpec> chunkBuffers(int rows, int steps, int hidden) {
        List<TensorSpec> out = new ArrayList<>();
        out.add(new TensorSpec(hs, steps + 1, rows, hidden));
        if (layer > 0) out.add(new TensorSpec(xp, steps, rows, gates * hidden)); // (steps, rows, gates·hidden)
        out.addAll(recurrenceBuffers(rows, steps, hidden));
        return out;
    }

    protected abstract List<TensorSpec> recurrenceBuffers(int rows, int steps, int hidden);

    /**
     * Fills part {@code part} of {@code parts} of this layer's packed buffers from {@code params}; called once
     * per minibatch for every part, possibly on different threads, before any chunk runs.
     */
    public final void pack(Kernels k, Slab params, Slab packed, int part, int parts) {
        int hidden = params.table().spec(b[0]).dim(0);
        int in = params.table().spec(wx[0]).dim(0), width = gates * hidden;
        float[] p = params.data(), q = packed.data();
        int panel = packed.off(wxPanel);
        for (int g = 0; g < gates; g++) {
            int src = params.off(wx[g]);
            for (int r = part * in / parts; r < (part + 1) * in / parts; r++) {
                System.arraycopy(p, src + r * hidden, q, panel + r * padded(width) + g * hidden, hidden);
            }
            if (layer > 0) {
                Transpose.rows(k, p, src, in, hidden, q, packed.off(wxPanelT) + g * hidden * in, in, part * in / parts, (part + 1) * in / parts);
            }
            if (part == 0) System.arraycopy(p, params.off(b[g]), q, packed.off(biasPanel) + g * hidden, hidden);
        }
        packRecurrent(k, params, packed, hidden, part, parts);
    }

    protected abstract void packRecurrent(Kernels k, Slab params, Slab packed, int hidden, int part, int parts);

    /**
     * Copies rows {@code [part·h/parts, …)} of each {@code W_h*} named into {@code (h, names·h)} and its transpose
     * {@code (names·h, h)}, both {@link PackedPanel}s, read by {@link Layout#NP} products ({@link #panel}).
     */
    protected static void packSideBySide(Kernels k, Slab params, Slab packed, String[] names, int from, int count, String panel,
                                         String panelT, int hidden, int part, int parts) {
        float[] p = params.data(), q = packed.data();
        int r0 = part * hidden / parts, r1 = (part + 1) * hidden / parts;
        for (int g = 0; g < count; g++) {
            int src = params.off(names[from + g]);
            if (panel != null) PackedPanel.packRows(p, src, hidden, r0, r1, hidden, q, packed.off(panel), hidden, g * hidden);
            if (panelT != null) Transpose.intoPanels(k, p, src, hidden, hidden, q, packed.off(panelT), count * hidden, g * hidden, r0, r1);
        }
    }

    /** A packed recurrent panel of {@code k} rows and {@code n} columns ({@link PackedPanel}). */
    protected static TensorSpec panel(String name, int k, int n) {
        return new TensorSpec(name, k, PackedPanel.paddedColumns(n));
    }

    /**
     * Runs the recurrence. Layer 0 reads token ids {@code x (steps, rows)} from {@code xOff}; a layer above
     * reads {@code in (steps, rows, hidden)} from {@code inOff}. {@code state} holds this layer's state for the
     * chunk at {@code stateOff} ({@code rows·stateSize} floats) and is updated to the last step's. Leaves in
     * {@code ws} what {@link #backward} needs. With a {@code frame} (null: none) the steps run as a task over
     * the rows ({@link Kernels#forRows}), which a team may split.
     */
    public final void forward(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, float[] in, int inOff,
                              int rows, int steps, float[] state, int stateOff, LayerTask frame) {
        float[] w = ws.data();
        int block = rows * hidden(params);
        String[] carried = stateBuffers();
        inputTerms(k, packed, ws, in, inOff, rows, steps);
        for (int i = 0; i < carried.length; i++) System.arraycopy(state, stateOff + i * block, w, ws.off(carried[i]), block);
        walkForward(k, frame, params, packed, ws, x, xOff, rows, steps);
        for (int i = 0; i < carried.length; i++) {
            System.arraycopy(w, ws.off(carried[i]) + steps * block, state, stateOff + i * block, block);
        }
    }

    /**
     * The workspace buffers {@code (steps+1, rows, hidden)} that hold the carried state, in the order of the state
     * ({@link #stateSize}): H alone, or the LSTM's H and C. Step 0 is the state carried in.
     */
    protected String[] stateBuffers() {
        return stateH;
    }

    /**
     * The recurrence over all steps for sequences {@code [from, to)} of the chunk's {@code rows}, the state already
     * in place; {@link #forward} runs it once for all rows or once per part of a row split.
     */
    protected abstract void forwardRows(Kernels k, Slab params, Slab packed, Slab ws, int[] x, int xOff, int rows,
                                        int steps, int from, int to);

    /**
     * Walks the steps back for sequences {@code [from, to)}, leaving each step's pre-activation gradients where
     * {@link #backward} then reads them for the weight gradients.
     */
    protected abstract void backwardRows(Kernels k, Slab params, Slab packed, Slab ws, int rows, int steps,
                                         float[] dOut, int dOutOff, int from, int to);

    /** Runs {@link #forwardRows} over all rows: split by the kernels when there is a frame to carry the call. */
    protected final void walkForward(Kernels k, LayerTask frame, Slab params, Slab packed, Slab ws, int[] x, int xOff,
                                     int rows, int steps) {
        if (frame == null) forwardRows(k, params, packed, ws, x, xOff, rows, steps, 0, rows);
        else k.forRows(rows, frame.forward(this, params, packed, ws, x, xOff, rows, steps));
    }

    /** Runs {@link #backwardRows} over all rows, as {@link #walkForward}. */
    protected final void walkBackward(Kernels k, LayerTask frame, Slab params, Slab packed, Slab ws, int rows, int steps,
                                      float[] dOut, int dOutOff) {
        if (frame == null) backwardRows(k, params, packed, ws, rows, steps, dOut, dOutOff, 0, rows);
        else k.forRows(rows, frame.backward(this, params, packed, ws, rows, steps, dOut, dOutOff));
    }

    /** Offset in {@code ws.data()} of the outputs {@code (steps, rows, hidden)} the last forward wrote. */
    public final int outputs(Slab ws) {
        TensorSpec s = ws.table().spec(hs);
        return ws.off(hs) + s.dim(1) * s.dim(2);
    }

    /**
     * Backpropagates {@code dOut (steps, rows, hidden)} (consumed: the cell may overwrite it) through the last
     * forward of this chunk into {@code grads}, which mirrors the params and must start zeroed: the weight
     * matrices' gradients are written by the one product that reaches each, the rest added; and for a
     * layer above 0 writing the input's gradient {@code dIn (steps, rows, hidden)}, which must not overlap
     * {@code dOut}. The gradient does not flow into the initial state: it is detached, as d2l detaches it.
     */
    public abstract void backward(Kernels k, Slab params, Slab packed, Slab ws, Slab grads, int[] x, int xOff,
                                  float[] in, int inOff, int rows, int steps, float[] dOut, int dOutOff,
                                  float[] dIn, int dInOff, LayerTask frame);

    // ---- shared by the recurrences ------------------------------------------------------------------

    /** For a layer above 0: the input terms of all steps, {@code xp = in · W_x} in one GEMM. */
    protected final void inputTerms(Kernels k, Slab packed, Slab ws, float[] in, int inOff, int rows, int steps) {
        if (layer == 0) return;
        int hidden = ws.table().spec(hs).dim(2), width = gates * hidden;
        k.gemm(Layout.NN, steps * rows, width, hidden, in, inOff, hidden, packed.data(), packed.off(wxPanel), padded(width),
                ws.data(), ws.off(xp), width, false);
    }

    /** The array holding the input term of a row: the packed panel for tokens, the workspace above. */
    protected final float[] inputArray(Slab packed, Slab ws) {
        return layer == 0 ? packed.data() : ws.data();
    }

    /** Offset of the input term {@code (gates·hidden)} of sequence {@code i} at step {@code t}. */
    protected final int inputOffset(Slab packed, Slab ws, int[] x, int xOff, int rows, int t, int i, int width) {
        return layer == 0 ? packed.off(wxPanel) + x[xOff + t * rows + i] * padded(width) : ws.off(xp) + (t * rows + i) * width;
    }

    /**
     * The weight gradients of all steps from the pre-activation gradients {@code dA (steps, rows,
     * gates·hidden)}: {@code dW_h* += Σ_t R_tᵀ·dA_t} with {@code R} from {@link #recurrentInput}, the biases as
     * column sums, {@code dW_x*} as gathered row sums (tokens) or one GEMM (a layer above); and for a layer
     * above, {@code dIn = dA · W_xᵀ}. With a {@code frame} the gate blocks run as a task ({@link
     * Kernels#forBlocks}), which a team may split.
     */
    protected final void parameterGradients(Kernels k, Slab packed, Slab ws, Slab grads, int[] x, int xOff, float[] in,
                                            int inOff, int rows, int steps, float[] dA, int dAOff, float[] dIn, int dInOff,
                                            LayerTask frame) {
        parameterGradients(k, packed, ws, grads, x, xOff, in, inOff, rows, steps, dA, dAOff, dIn, dInOff, gates, frame);
    }

    /**
     * As above, but only the first {@code recurrentBlocks} blocks' {@code dW_h*} come from {@code dA}: a cell
     * whose recurrent products have gradients of their own (PyTorch's GRU) adds the others itself.
     */
    protected final void parameterGradients(Kernels k, Slab packed, Slab ws, Slab grads, int[] x, int xOff, float[] in,
                                            int inOff, int rows, int steps, float[] dA, int dAOff, float[] dIn, int dInOff,
                                            int recurrentBlocks, LayerTask frame) {
        if (frame == null) {
            blockGradients(k, null, ws, grads, x, xOff, in, inOff, rows, steps, dA, dAOff, recurrentBlocks, 0, gates);
        } else {
            k.forBlocks(gates, frame.gradients(this, packed, ws, grads, x, xOff, in, inOff, rows, steps, dA, dAOff,
                    recurrentBlocks));
        }
        if (layer > 0) {
            int hidden = ws.table().spec(hs).dim(2);
            k.gemm(Layout.NN, steps * rows, hidden, gates * hidden, dA, dAOff, gates * hidden, packed.data(),
                    packed.off(wxPanelT), hidden, dIn, dInOff, hidden, false);
        }
    }

    /**
     * The weight and bias gradients of gate blocks {@code [from, to)}: each block writes only its own tensors. A
     * weight's product sets its gradient rather than adding to the zeroed one: the tiles store straight into it
     * (no load of C), with the same bits.
     */
    final void blockGradients(Kernels k, LayerTask frame, Slab ws, Slab grads, int[] x, int xOff, float[] in, int inOff,
                              int rows, int steps, float[] dA, int dAOff, int recurrentBlocks, int from, int to) {
        float[] w = ws.data(), gd = grads.data();
        int hidden = ws.table().spec(hs).dim(2), width = gates * hidden, n = steps * rows;
        for (int g = from; g < to; g++) {
            int dg = dAOff + g * hidden;
            if (g < recurrentBlocks) {
                k.gemm(Layout.TN, hidden, hidden, n, w, recurrentInput(ws, g), hidden, dA, dg, width, gd, grads.off(wh[g]), hidden, false);
            }
            if (frame == null) columnGradients(k, grads, x, xOff, n, dA, dg, g, 0, hidden);
            else k.forColumns(hidden, frame.columns(this, grads, x, xOff, n, dA, dg, g));
            if (layer > 0) {
                k.gemm(Layout.TN, hidden, hidden, n, in, inOff, hidden, dA, dg, width, gd, grads.off(wx[g]), hidden, false);
            }
        }
    }

    /**
     * Columns {@code [from, to)} of block {@code g}'s bias gradient (column sums of its {@code dA}, {@code n} rows
     * from {@code dg}) and, for layer 0, of its {@code W_x*} gradient (each row of {@code dA} added to the row of
     * its token): each column sums its rows in order, whatever the range.
     */
    final void columnGradients(Kernels k, Slab grads, int[] x, int xOff, int n, float[] dA, int dg, int g, int from, int to) {
        float[] gd = grads.data();
        int hidden = grads.table().spec(b[g]).dim(0), width = gates * hidden;
        k.columnSums(dA, dg + from, n, to - from, width, gd, grads.off(b[g]) + from);
        if (layer == 0) k.scatterAddRows(dA, dg + from, width, n, x, xOff, gd, grads.off(wx[g]) + from, hidden, to - from);
    }

    /** Offset in {@code ws} of what block {@code g}'s recurrent weight multiplies, {@code (steps, rows, hidden)}. */
    protected int recurrentInput(Slab ws, int g) {
        return ws.off(hs);
    }

    @Override
    public String toString() {
        return type + " layer " + layer;
    }
}
