package dev.vecrnn.cli;

import dev.vecrnn.train.Training;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --metrics FILE.csv}: one row per epoch in full precision, flushed as it goes so that it can be
 * followed during training; also the data the {@code --plot} is drawn from.
 *
 * <p>A resumed run appends to the file, and its plot draws the whole run, the earlier rows read back from
 * the file. Rows past the checkpoint's epoch (a run killed after its last checkpoint) are cut off first,
 * since the resumed run trains those epochs again: the file then holds each epoch once, in order.
 */
final class MetricsLog implements AutoCloseable {
    static final String HEADER = "epoch,loss,perplexity,tokens_per_sec,seconds";

    private final BufferedWriter writer;
    final List<double[]> rows = new ArrayList<>(); // epoch, perplexity

    private MetricsLog(BufferedWriter writer) {
        this.writer = writer;
    }

    /**
     * Opens {@code file} (null: no file, rows kept for the plot only): a new file, or, when resuming after
     * epoch {@code resumedAfter} (0: a fresh run), the file so far, kept up to that epoch and appended to.
     */
    static MetricsLog open(Path file, int resumedAfter) {
        if (file == null) return new MetricsLog(null);
        try {
            if (resumedAfter > 0) {
                MetricsLog log = reopen(file, resumedAfter);
                if (log != null) return log;
            }
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            w.write(HEADER + "\n");
            w.flush();
            return new MetricsLog(w);
        } catch (IOException e) {
            throw UserException.failure("cannot write --metrics " + file + " (" + e.getMessage() + ")");
        }
    }

    /** The log of a resumed run, or null when {@code file} does not exist yet. */
    private static MetricsLog reopen(Path file, int resumedAfter) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isEmpty()) return null;
        if (!text.startsWith(HEADER + "\n")) {
            throw UserException.usage("--metrics " + file + " is not a vecrnn metrics file (its first line is not " + HEADER
                    + "); give another file, or move it away to start a new one");
        }
        List<double[]> kept = new ArrayList<>();
        long keep = HEADER.length() + 1; // bytes of the file that stay: whole rows up to the checkpoint's epoch
        int line = 1;
        for (int start = HEADER.length() + 1; start < text.length(); line++) {
            int nl = text.indexOf('\n', start);
            String row = text.substring(start, nl < 0 ? text.length() : nl);
            double[] parsed = parse(row);
            if (parsed == null) {
                if (nl < 0) break; // a row cut short by a kill mid-write: written again below
                throw UserException.usage("--metrics " + file + ": line " + (line + 1) + " is not a metrics row ('" + row
                        + "'); fix or move the file");
            }
            if (parsed[0] > resumedAfter) break;
            kept.add(parsed);
            start = nl < 0 ? text.length() : nl + 1;
            keep = text.substring(0, start).getBytes(StandardCharsets.UTF_8).length;
            if (nl < 0) { // a complete last row without its newline: end it before appending
                Files.writeString(file, "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                keep++;
            }
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
        try {
            ch.truncate(keep);
            ch.position(keep);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        MetricsLog log = new MetricsLog(new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8)));
        log.rows.addAll(kept);
        return log;
    }

    /** (epoch, perplexity) of a row, or null if it is not one. */
    private static double[] parse(String row) {
        String[] f = row.split(",", -1);
        if (f.length != 5) return null;
        try {
            int epoch = Integer.parseInt(f[0].trim());
            for (int i = 1; i < 5; i++) Double.parseDouble(f[i].trim());
            return epoch > 0 ? new double[] {epoch, Double.parseDouble(f[2].trim())} : null;
        } catch (NumberFormatException e) {
            return null;
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
