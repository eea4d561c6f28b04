package dev.vecrnn.model;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A character (or word) language model: a {@link Cell}, d2l's output layer, the vocabulary it was trained
 * on, and all parameters in one flat buffer laid out by {@link #table()} ({@code W_xh, W_hh, b_h, W_hq,
 * b_q} for the tanh RNN).
 */
public final class RnnModel {
    private final Cell cell;
    private final Vocab vocab;
    private final Tokenization tokenization;
    private final int hidden;
    private final TensorTable table;
    private final Slab params;

    public RnnModel(Cell cell, Vocab vocab, Tokenization tokenization, int hidden) {
        if (hidden <= 0) throw new IllegalArgumentException("hidden size must be positive, not " + hidden);
        this.cell = cell;
        this.vocab = vocab;
        this.tokenization = tokenization;
        this.hidden = hidden;
        this.table = parameterTable(cell, vocab.size(), hidden);
        this.params = Slab.allocate(table);
    }

    public static TensorTable parameterTable(Cell cell, int vocab, int hidden) {
        return TensorTable.of(cell.parameters(vocab, hidden), OutputHead.parameters(vocab, hidden));
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

    public Cell cell() { return cell; }

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
