package dev.vecrnn.cli;

import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.io.TorchStateDict;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vecrnn import}: a PyTorch state dict of d2l's concise RNNModel to a vecrnn model. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Convert d2l's concise RNNModel (nn.RNN, nn.GRU or nn.LSTM, then nn.Linear), saved as a "
                + "safetensors state dict with idx_to_token in its metadata, to a vecrnn model.")
public final class ImportCommand extends BaseCommand {
    @Option(names = "--from", paramLabel = "FILE", required = true,
            description = "The PyTorch state dict (safetensors.torch.save_file, or d2l_torch.py --concise --save-safetensors).")
    Path from;

    @Option(names = "--out", paramLabel = "MODEL", required = true, description = "The vecrnn model to write.")
    Path out;

    @Mixin
    OverwriteOptions overwrite = new OverwriteOptions();

    @Override
    int run() {
        overwrite.checkOutput("--out", out);
        RnnModel model;
        try {
            allocating("importing " + from + fileSize(from), "");
            model = TorchStateDict.read(from);
            Checkpoint.save(model, Map.of("source", "pytorch"), out);
        } catch (Checkpoint.CheckpointException e) {
            throw UserException.failure(e.getMessage());
        } catch (IOException e) {
            throw UserException.failure("cannot write " + out + " (" + e.getMessage() + ")");
        }
        out().println("imported " + describe(model) + " from " + from + " to " + out);
        return ExitCode.OK;
    }

    /** "a 2-layer lstm (hidden 24, vocab 28)". */
    static String describe(RnnModel m) {
        String cell = (m.numLayers() > 1 ? m.numLayers() + "-layer " : "") + m.cellType();
        return (cell.startsWith("rnn") || cell.startsWith("lstm") ? "an " : "a ") + cell
                + " (hidden " + m.hidden() + ", vocab " + m.vocab().size() + ")";
    }
}
