package dev.vecrnn.cli;

import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.io.TorchStateDict;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vecrnn export}: a vecrnn model as the state dict of d2l's concise RNNModel. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a vecrnn model (rnn, lstm or gru-torch) as the safetensors state dict of d2l's concise "
                + "RNNModel, which load_state_dict accepts; idx_to_token goes in its metadata.")
public final class ExportCommand extends BaseCommand {
    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "vecrnn-model.safetensors",
            description = "The vecrnn model. Default: ${DEFAULT-VALUE}.")
    Path model;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The state dict to write (safetensors).")
    Path out;

    @Mixin
    OverwriteOptions overwrite = new OverwriteOptions();

    @Override
    int run() {
        overwrite.checkOutput("--out", out);
        Checkpoint.Loaded loaded;
        try {
            allocating("loading the model " + model + fileSize(model), "");
            loaded = Checkpoint.load(model);
            TorchStateDict.write(loaded.model(), out);
        } catch (Checkpoint.CheckpointException e) {
            throw UserException.failure(e.getMessage());
        } catch (IOException e) {
            throw UserException.failure("cannot write " + out + " (" + e.getMessage() + ")");
        }
        out().println("exported " + ImportCommand.describe(loaded.model()) + " from " + model + " to " + out);
        return ExitCode.OK;
    }
}
