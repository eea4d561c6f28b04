package dev.vecrnn.model;

import dev.vecrnn.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;

/**
 * d2l's {@code predict_ch8}: feed the prefix one token at a time from a zero state (warm-up), then append
 * the argmax of each output {@code numPreds} times. Unknown prefix tokens map to {@code <unk>}.
 */
public final class Predictor {
    private final RnnModel model;
    private final Kernels kernels;
    private final Slab packed;
    private final Slab ws;
    private final float[] state;
    private final float[] logits;
    private final int[] x = new int[1];

    public Predictor(RnnModel model, Kernels kernels) {
        this.model = model;
        this.kernels = kernels;
        int v = model.vocab().size(), h = model.hidden();
        CellStack cells = model.layers();
        this.packed = Slab.allocate(TensorTable.of(cells.packedBuffers(v, h), OutputHead.packedBuffers(v, h)));
        this.ws = Slab.allocate(new TensorTable(cells.chunkBuffers(1, 1, h)));
        this.state = new float[cells.stateSize(h)];
        this.logits = new float[v];
    }

    public String predict(String prefix, int numPreds) {
        List<String> tokens = model.tokenize(prefix);
        if (tokens.isEmpty()) throw new IllegalArgumentException("the prefix has no tokens; give at least one character");
        if (numPreds < 0) throw new IllegalArgumentException("the number of predictions must be 0 or more, not " + numPreds);
        model.layers().pack(kernels, model.params(), packed, 0, 1);
        java.util.Arrays.fill(state, 0f);
        List<String> out = new ArrayList<>();
        int last = model.vocab().index(tokens.get(0));
        out.add(model.vocab().token(last));
        for (int i = 1; i < tokens.size(); i++) {
            step(last);
            last = model.vocab().index(tokens.get(i));
            out.add(model.vocab().token(last));
        }
        for (int i = 0; i < numPreds; i++) {
            step(last);
            last = argmax(logits);
            out.add(model.vocab().token(last));
        }
        return model.tokenization().join(out);
    }

    /**
     * The logits after each of {@code tokens} (ids), fed one at a time from a zero state: {@code (tokens.length,
     * vocab)}, row-major. What a framework's forward over one sequence returns, to compare models across them.
     */
    public float[] logits(int[] tokens) {
        int v = model.vocab().size();
        for (int t : tokens) {
            if (t < 0 || t >= v) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + v);
        }
        model.layers().pack(kernels, model.params(), packed, 0, 1);
        java.util.Arrays.fill(state, 0f);
        float[] out = new float[tokens.length * v];
        for (int i = 0; i < tokens.length; i++) {
            step(tokens[i]);
            System.arraycopy(logits, 0, out, i * v, v);
        }
        return out;
    }

    private void step(int token) {
        x[0] = token;
        model.layers().forward(kernels, model.params(), packed, ws, x, 0, 1, 1, state, 0);
        OutputHead.forward(kernels, model.params(), ws.data(), model.layers().outputs(ws), 1, logits, 0);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
