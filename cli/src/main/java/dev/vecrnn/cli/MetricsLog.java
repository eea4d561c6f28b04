package dev.vecrnn.cli;

import dev.vecrnn.train.Training;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --metrics FILE.csv}: one row per epoch in full precision, flushed as it goes so that it can be
 * followed during training; also the data the {@code --plot} is drawn from.
 */
final class MetricsLog implements AutoCloseable {
    private final BufferedWriter writer;
    final List<double[]> rows = new ArrayList<>(); // epoch, perplexity

    MetricsLog(Path file) throws IOException {
        writer = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        if (writer != null) {
            writer.write("epoch,loss,perplexity,tokens_per_sec,seconds\n");
            writer.flush();
        }
    }

    void add(Training.EpochStats s) throws IOException {
        rows.add(new double[] {s.epoch(), s.perplexity()});
        if (writer == null) return;
        writer.write(s.epoch() + "," + s.meanLoss() + "," + s.perplexity() + "," + s.tokensPerSecond() + "," + s.seconds() + "\n");
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        if (writer != null) writer.close();
    }
}
