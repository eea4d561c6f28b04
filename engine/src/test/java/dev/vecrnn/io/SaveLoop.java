package dev.vecrnn.io;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Child process of {@link CrashSafetyTest}: saves checkpoints to one file as fast as it can until killed. */
public final class SaveLoop {
    private SaveLoop() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK));
        for (int i = 1; i < 28; i++) tokens.add("t" + i);
        RnnModel model = new RnnModel(new RnnCell(), new Vocab(tokens), Tokenization.CHAR, 384);
        Random rng = new Random();
        // One complete save before "ready": the parent may kill at once, and a slow first save (a cold JVM on a
        // busy machine) must not leave it with no file at all to check.
        model.initialize(rng);
        Checkpoint.save(model, Map.of("iteration", "0"), file);
        System.out.println("ready");
        System.out.flush();
        for (long i = 1; ; i++) {
            model.initialize(rng);
            Checkpoint.save(model, Map.of("iteration", Long.toString(i)), file);
        }
    }
}
