package dev.vecrnn.model;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A character (or word) language model: a stack of {@link Cell}s (one layer unless deep), d2l's output
 * layer, the vocabulary it was trained on, and all parameters in one flat buffer laid out by
 * {@link #table()} ({@code W_xh, W_hh, b_h, W_hq, b_q} for the one-layer tanh RNN).
 */
public final class RnnModel {
    private final CellStack layers;
    private final Vocab vocab;
    private final Tokenization tokenization;
    private final int hidden;
    private final TensorTable table;
    private final Slab params;

    /** A one-layer model of {@code cell}. */
    public RnnModel(Cell cell, Vocab vocab, Tokenization tokenization, int hidden) {
        this(new CellStack(cell), vocab, tokenization, hidden);
    }

    /** {@code layers} layers of cell type {@code type} ({@code rnn}, {@code gru}, {@code lstm}). */
    public RnnModel(String type, int layers, Vocab vocab, Tokenization tokenization, int hidden) {
        this(Cells.stack(type, layers), vocab, tokenization, hidden);
    }

    private RnnModel(CellStack layers, Vocab vocab, Tokenization tokenization, int hidden) {
        if (hidden <= 0) throw new IllegalArgumentException("hidden size must be positive, not " + hidden);
        this.layers = layers;
        this.vocab = vocab;
        this.tokenization = tokenization;
        this.hidden = hidden;
        this.table = parameterTable(layers, vocab.size(), hidden);
        this.params = Slab.allocate(table);
    }

    /** The parameters of a model, in checkpoint order: the layers', then the output layer's. */
    public static TensorTable parameterTable(CellStack layers, int vocab, int hidden) {
        return TensorTable.of(layers.parameters(vocab, hidden), OutputHead.parameters(vocab, hidden));
    }

    /** d2l's {@code get_params}: weight matrices N(0, 0.01²) in table order, biases zero. */
    public RnnModel initialize(Random rng) {
        float[] p = params.data();
        for (TensorSpec s : table.specs()) {
            int off = table.offset(s.name());
            boolean bias = s.shape().length == 1;
            for (int i = 0; i < s.size(); i++) p[off + i] = bias ? 0f : (float) (rng.nextGaussian() * 0.01);
        }
        return this;
    }

    /** The recurrent layers, bottom first. */
    public CellStack layers() { return layers; }

    /** The cell type of every layer: {@code rnn}, {@code gru} or {@code lstm}. */
    public String cellType() { return layers.type(); }

    public int numLayers() { return layers.size(); }

    public Vocab vocab() { return vocab; }

    public Tokenization tokenization() { return tokenization; }

    public int hidden() { return hidden; }

    public TensorTable table() { return table; }

    /** The parameters; training updates them in place. */
    public Slab params() { return params; }

    /** A copy of one parameter tensor. */
    public float[] tensor(String name) {
        int off = table.offset(name);
        float[] out = new float[table.spec(name).size()];
        System.arraycopy(params.data(), off, out, 0, out.length);
        return out;
    }

    public void setTensor(String name, float[] values) {
        TensorSpec s = table.spec(name);
        if (values.length != s.size()) {
            throw new IllegalArgumentException(name + " needs " + s.size() + " values, not " + values.length);
        }
        System.arraycopy(values, 0, params.data(), table.offset(name), values.length);
    }

    /** The tokens of {@code text}, as the model's vocabulary indexes them. */
    public List<String> tokenize(String text) {
        return new ArrayList<>(tokenization.tokens(text));
    }
}
