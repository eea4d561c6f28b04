package dev.vecrnn.model;

/** The cell types by checkpoint name. */
public final class Cells {
    private Cells() {}

    public static Cell byType(String type) {
        if ("rnn".equals(type)) return new RnnCell();
        throw new IllegalArgumentException("unknown cell type '" + type + "' (this version knows: rnn)");
    }
}
