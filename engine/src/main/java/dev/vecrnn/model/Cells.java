package dev.vecrnn.model;

import java.util.List;

/** The cell types by checkpoint name, and stacks of them. */
public final class Cells {
    private Cells() {}

    /** Every cell type, as {@code --cell} and checkpoints name them. */
    public static final List<String> TYPES = List.of("rnn", "gru", "lstm", "gru-torch");

    /** Layer {@code layer} of type {@code type}, its parameters named with {@code prefix}. */
    public static Cell create(String type, int layer, String prefix) {
        switch (type) {
            case "rnn": return new RnnCell(layer, prefix);
            case "gru": return new GruCell(layer, prefix);
            case "lstm": return new LstmCell(layer, prefix);
            case "gru-torch": return new TorchGruCell(layer, prefix);
            default: throw new IllegalArgumentException("unknown cell type '" + type + "' (this version knows: "
                    + String.join(", ", TYPES) + ")");
        }
    }

    /** The one layer of a one-layer model, with d2l's bare parameter names. */
    public static Cell byType(String type) {
        return create(type, 0, "");
    }

    /**
     * {@code layers} cells of one type as d2l 9.3 stacks them: one layer keeps d2l's bare names (so every
     * d2l 8.5 file stays valid); a deep model prefixes layer l's as {@code StackedRNNScratch} does,
     * {@code rnns.{l}.}.
     */
    public static CellStack stack(String type, int layers) {
        if (layers < 1) throw new IllegalArgumentException("a model needs at least one layer, not " + layers);
        Cell[] cells = new Cell[layers];
        for (int l = 0; l < layers; l++) cells[l] = create(type, l, layers == 1 ? "" : "rnns." + l + ".");
        return new CellStack(cells);
    }
}
