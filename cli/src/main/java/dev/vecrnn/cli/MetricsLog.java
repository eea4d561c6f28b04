package dev.vecrnn.cli;

import dev.vecrnn.train.Evaluator;
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
 *
 * <p>A run with a validation split logs three more columns ({@link #VAL_HEADER}), empty in the rows of epochs
 * without an evaluation; an evaluation in the middle of an epoch ({@code --eval-every Nb}) is a row of its own
 * whose {@code epoch} is fractional (epochs done plus the share of the current one) and whose training columns
 * are empty.
 */
final class MetricsLog implements AutoCloseable {
    static final String HEADER = "epoch,loss,perplexity,tokens_per_sec,seconds";
    static final String VAL_HEADER = HEADER + ",val_loss,val_perplexity,val_bits_per_token";

    private final BufferedWriter writer;
    private final boolean validation;
    final List<double[]> rows = new ArrayList<>(); // epoch, perplexity
    final List<double[]> valRows = new ArrayList<>(); // epoch (fractional mid-epoch), validation perplexity

    private MetricsLog(BufferedWriter writer, boolean validation) {
        this.writer = writer;
        this.validation = validation;
    }

    static MetricsLog open(Path file, int resumedAfter) {
        return open(file, resumedAfter, false);
    }

    /**
     * Opens {@code file} (null: no file, rows kept for the plot only): a new file, or, when resuming after
     * epoch {@code resumedAfter} (0: a fresh run), the file so far, kept up to that epoch and appended to.
     */
    static MetricsLog open(Path file, int resumedAfter, boolean validation) {
        if (file == null) return new MetricsLog(null, validation);
        try {
            if (resumedAfter > 0) {
                MetricsLog log = reopen(file, resumedAfter, validation);
                if (log != null) return log;
            }
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            w.write((validation ? VAL_HEADER : HEADER) + "\n");
            w.flush();
            return new MetricsLog(w, validation);
        } catch (IOException e) {
            throw UserException.failure("cannot write --metrics " + file + " (" + e.getMessage() + ")");
        }
    }

    /** The log of a resumed run, or null when {@code file} does not exist yet. */
    private static MetricsLog reopen(Path file, int resumedAfter, boolean validation) throws IOException {
        String header = validation ? VAL_HEADER : HEADER;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isEmpty()) return null;
        if (!text.startsWith(header + "\n")) {
            throw UserException.usage("--metrics " + file + " is not a vecrnn metrics file " + (validation ? "with" : "without")
                    + " validation columns (its first line is not " + header + "); give another file, or move it away to start a new one");
        }
        List<double[]> kept = new ArrayList<>(), keptVal = new ArrayList<>();
        long keep = header.length() + 1; // bytes of the file that stay: whole rows up to the checkpoint's epoch
        int line = 1;
        for (int start = header.length() + 1; start < text.length(); line++) {
            int nl = text.indexOf('\n', start);
            String row = text.substring(start, nl < 0 ? text.length() : nl);
            double[] parsed = parse(row, validation);
            if (parsed == null) {
                if (nl < 0) break; // a row cut short by a kill mid-write: written again below
                throw UserException.usage("--metrics " + file + ": line " + (line + 1) + " is not a metrics row ('" + row
                        + "'); fix or move the file");
            }
            if (parsed[0] > resumedAfter) break;
            if (!Double.isNaN(parsed[1])) kept.add(new double[] {parsed[0], parsed[1]});
            if (!Double.isNaN(parsed[2])) keptVal.add(new double[] {parsed[0], parsed[2]});
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
        MetricsLog log = new MetricsLog(new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8)),
                validation);
        log.rows.addAll(kept);
        log.valRows.addAll(keptVal);
        return log;
    }

    /**
     * (epoch, perplexity, validation perplexity) of a row, NaN where a row has no such column, or null if it is
     * not a row. Without validation, rows have the 5 training columns and a whole epoch.
     */
    private static double[] parse(String row, boolean validation) {
        String[] f = row.split(",", -1);
        if (f.length != (validation ? 8 : 5)) return null;
        try {
            double epoch = validation ? Double.parseDouble(f[0].trim()) : Integer.parseInt(f[0].trim());
            boolean train = !f[1].isBlank();
            for (int i = 1; i < 5; i++) if (train || !f[i].isBlank()) Double.parseDouble(f[i].trim());
            boolean val = validation && !f[5].isBlank();
            if (validation) for (int i = 5; i < 8; i++) if (val || !f[i].isBlank()) Double.parseDouble(f[i].trim());
            if (!(epoch > 0) || (!train && !val)) return null;
            return new double[] {epoch, train ? Double.parseDouble(f[2].trim()) : Double.NaN,
                    val ? Double.parseDouble(f[6].trim()) : Double.NaN};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    void add(Training.EpochStats s) throws IOException {
        add(s, null);
    }

    /** An epoch's row, with the validation result measured at its end (null: none). */
    void add(Training.EpochStats s, Evaluator.Result val) throws IOException {
        rows.add(new double[] {s.epoch(), s.perplexity()});
        if (val != null) valRows.add(new double[] {s.epoch(), val.perplexity()});
        write(s.epoch() + "," + s.meanLoss() + "," + s.perplexity() + "," + s.tokensPerSecond() + "," + s.seconds()
                + (validation ? "," + columns(val) : ""));
    }

    /** An evaluation in the middle of an epoch, at fractional epoch {@code epoch}. */
    void addEvaluation(double epoch, Evaluator.Result val) throws IOException {
        valRows.add(new double[] {epoch, val.perplexity()});
        if (validation) write(epoch + ",,,,," + columns(val));
    }

    private static String columns(Evaluator.Result val) {
        return val == null ? ",," : val.nats() + "," + val.perplexity() + "," + val.bits();
    }

    private void write(String row) throws IOException {
        if (writer == null) return;
        writer.write(row + "\n");
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        if (writer != null) writer.close();
    }
}
