package dev.vecrnn.cli;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.model.RnnModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code train --init-from}: the model must be the one the command line describes, so that its weights fit. */
final class FineTune {
    private FineTune() {}

    static Checkpoint.Loaded load(String option, Path file) {
        try {
            return Checkpoint.load(file, false);
        } catch (Checkpoint.CheckpointException e) {
            throw UserException.failure(option + ": " + e.getMessage());
        }
    }

    /** Refuses, naming every difference, a model whose shape is not the command line's or whose vocabulary is not the corpus's. */
    static void checkShape(TrainCommand cmd, Checkpoint.Loaded init, Corpus data) {
        RnnModel m = init.model();
        List<String> differ = new ArrayList<>();
        if (!m.cellType().equals(cmd.cell)) differ.add("--cell " + cmd.cell + " (the model is " + m.cellType() + ")");
        if (m.numLayers() != cmd.layers) differ.add("--layers " + cmd.layers + " (the model has " + m.numLayers() + ")");
        if (m.hidden() != cmd.hidden) differ.add("--hidden " + cmd.hidden + " (the model has " + m.hidden() + ")");
        if (m.tokenization() != data.tokenization()) {
            differ.add("--tokenization " + data.tokenization().id() + " (the model's is " + m.tokenization().id() + ")");
        }
        if (!differ.isEmpty()) {
            throw UserException.usage("--init-from " + cmd.fineTune.initFrom + " does not fit the command line: " + String.join(", ", differ)
                    + "; give the model's sizes");
        }
        if (!m.vocab().tokens().equals(data.vocab().tokens())) {
            throw UserException.usage(String.format(java.util.Locale.ROOT, "--init-from %s has a vocabulary of %,d tokens and the corpus "
                    + "one of %,d (or in another order); add --vocab-from %s to read the corpus with the model's vocabulary "
                    + "(unknown tokens become <unk>)", cmd.fineTune.initFrom, m.vocab().size(), data.vocab().size(), cmd.fineTune.initFrom));
        }
    }
}
