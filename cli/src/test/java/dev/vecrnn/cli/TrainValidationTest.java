package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.io.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --corpus} end to end on the first 12,000 characters of tinyshakespeare: raw text, the
 * validation split, its columns and plot, --save-best, --patience, --time-limit, optimizers with an exact
 * resume, and --init-from / --vocab-from.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TrainValidationTest {
    @TempDir
    Path tmp;

    private Path corpus() throws IOException {
        Path f = tmp.resolve("shakespeare.txt");
        if (!Files.exists(f)) {
            String all = Files.readString(CliTest.sharedDataDir().resolve("tinyshakespeare.txt"), StandardCharsets.UTF_8);
            Files.writeString(f, all.substring(0, 12_000), StandardCharsets.UTF_8);
        }
        return f;
    }

    private CliTest.Result train(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", "--corpus", corpus().toString(), "--hidden", "16", "--batch-size", "4",
                "--num-steps", "8", "--threads", "2", "--print-every", "1"));
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(String[]::new));
    }

    private static CliTest.Result ok(CliTest.Result r) {
        assertEquals(ExitCode.OK, r.code(), r.toString());
        return r;
    }

    @Test
    void rawTextWithValidationColumnsPlotAndMetadata() throws IOException {
        Path save = tmp.resolve("m.safetensors"), csv = tmp.resolve("m.csv"), svg = tmp.resolve("m.svg");
        CliTest.Result r = ok(train("--epochs", "3", "--save", save.toString(), "--metrics", csv.toString(), "--plot", svg.toString()));
        String first = r.outLines().get(0);
        assertTrue(first.startsWith("shakespeare.txt (raw characters): vocab "), first);
        assertTrue(first.contains("10,800 training + 1,200 validation tokens (whole file)"), first);
        assertTrue(r.outLines().get(1).startsWith("epoch 1/3  perplexity ") && r.outLines().get(1).contains("val loss "), r.toString());
        // The prefix is the start of the held-out text, not d2l's "time traveller".
        String heldOut = Files.readString(corpus()).substring(10_800, 10_816);
        assertTrue(r.outLines().get(1).endsWith(TrainingRun.oneLine(heldOut)) || r.outLines().get(1).contains(TrainingRun.oneLine(heldOut)), r.toString());
        assertFalse(r.out().contains("time traveller"), r.toString());

        List<String> rows = Files.readAllLines(csv);
        assertEquals(MetricsLog.VAL_HEADER, rows.get(0));
        assertEquals(4, rows.size(), rows.toString());
        for (String row : rows.subList(1, 4)) {
            String[] f = row.split(",", -1);
            assertEquals(8, f.length, row);
            double nats = Double.parseDouble(f[5]);
            assertEquals(Math.exp(nats), Double.parseDouble(f[6]), 1e-9 * Math.exp(nats));
            assertEquals(nats / Math.log(2), Double.parseDouble(f[7]), 1e-12);
        }
        assertTrue(Files.readString(svg).contains("<svg"), "an SVG");
        // The run's plot is the one drawn from both curves, which differs from the training curve alone.
        List<double[]> train = new ArrayList<>(), val = new ArrayList<>();
        for (String row : rows.subList(1, 4)) {
            String[] f = row.split(",");
            train.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[2])});
            val.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[6])});
        }
        Path both = tmp.resolve("both.svg"), one = tmp.resolve("one.svg");
        String title = "vecrnn: shakespeare.txt (raw characters, whole file)";
        PerplexityPlot.write(both, train, val, title);
        PerplexityPlot.write(one, train, List.of(), title);
        assertEquals(Files.size(both), Files.size(svg), "the run drew both curves");
        assertFalse(Files.readString(both).equals(Files.readString(one)));

        Map<String, String> meta = Checkpoint.load(save).metadata();
        assertEquals("none", meta.get("preprocessing"));
        assertEquals("0", meta.get("min_freq"));
        assertEquals("0.1", meta.get("val_fraction"));
        assertEquals(corpus().toAbsolutePath().toString(), meta.get("corpus"));
        assertEquals("sgd", meta.get("optimizer"));
        assertEquals("0.0", meta.get("dropout"));
        assertEquals(rows.get(3).split(",")[5], meta.get("val_loss"));

        // eval rebuilds the split from the recorded corpus: the same loss as the run's last evaluation.
        CliTest.Result e = ok(CliTest.run("eval", "--model", save.toString()));
        String last = e.outLines().get(e.outLines().size() - 1);
        assertTrue(last.startsWith("loss ") && last.contains(" on 1196 tokens"), e.toString());
        assertEquals(Double.parseDouble(meta.get("val_loss")), nats(last), 1e-6);
    }

    static double nats(String line) {
        return Double.parseDouble(line.substring("loss ".length(), line.indexOf(" nats/token")));
    }

    @Test
    void saveBestKeepsTheLowestValidationLossAndPatienceStops() throws IOException {
        Path best = tmp.resolve("best.safetensors"), csv = tmp.resolve("b.csv");
        ok(train("--epochs", "4", "--save-best", "--save", best.toString(), "--metrics", csv.toString(), "--lr", "2"));
        double lowest = Double.POSITIVE_INFINITY;
        int at = 0;
        for (String row : Files.readAllLines(csv).subList(1, 5)) {
            double v = Double.parseDouble(row.split(",")[5]);
            if (v < lowest) {
                lowest = v;
                at = Integer.parseInt(row.split(",")[0]);
            }
        }
        Map<String, String> meta = Checkpoint.load(best).metadata();
        assertEquals(Double.toString(lowest), meta.get("best_val_loss"));
        assertEquals(Integer.toString(at), meta.get("best_epoch"));
        assertEquals(Integer.toString(at), meta.get("epochs_done"), "the file holds the model of the best epoch");
        assertEquals(lowest, nats(lastLine(ok(CliTest.run("eval", "--model", best.toString())))), 1e-6);

        // A rate of 1e-30 leaves every weight as it is: each evaluation after the first is no improvement.
        Path still = tmp.resolve("still.safetensors");
        CliTest.Result r = ok(train("--epochs", "50", "--lr", "1e-30", "--patience", "2", "--save", still.toString()));
        assertTrue(r.out().contains("stopped: no lower validation loss in 2 evaluations after epoch 3"), r.toString());
        assertEquals("3", Checkpoint.load(still).metadata().get("epochs_done"));
    }

    private static String lastLine(CliTest.Result r) {
        return r.outLines().get(r.outLines().size() - 1);
    }

    @Test
    void timeLimitStopsEvaluatesAndSaves() throws IOException {
        Path save = tmp.resolve("t.safetensors");
        long start = System.nanoTime();
        CliTest.Result r = ok(train("--epochs", "1000000", "--time-limit", "1s", "--eval-every", "20b", "--save", save.toString()));
        assertTrue((System.nanoTime() - start) / 1e9 < 60, "stopped well before 100M epochs");
        assertTrue(r.out().contains("stopped: time limit 1s"), r.toString());
        assertTrue(r.out().contains("validation: loss "), r.toString());
        assertTrue(r.out().contains("saved the model to " + save), r.toString());
        Map<String, String> meta = Checkpoint.load(save).metadata();
        assertEquals("time limit 1s", meta.get("stopped"));
        assertTrue(meta.containsKey("val_loss"), meta.toString());
        if (meta.containsKey("stopped_in_epoch")) {
            CliTest.Result again = CliTest.run("train", "--corpus", corpus().toString(), "--resume", save.toString(), "--epochs", "1000001");
            CliTest.assertUsage(again);
            assertTrue(again.err().contains("middle of an epoch"), again.toString());
        }
    }

    @Test
    void adamWithACosineScheduleResumesBitForBit() throws IOException {
        Path straight = tmp.resolve("straight.safetensors"), ckpt = tmp.resolve("ckpt.safetensors");
        String[] opt = {"--optimizer", "adam", "--lr", "0.01", "--lr-schedule", "cosine", "--warmup", "20", "--lr-min", "0.001",
                "--beta2", "0.98", "--epochs", "4"};
        ok(train(concat(opt, "--save", straight.toString())));
        // The same run killed after its checkpoint at epoch 2.
        ok(train(concat(opt, "--save", ckpt.toString(), "--checkpoint-every", "2", "--stop-after-epoch", "2")));
        Checkpoint.Loaded mid = Checkpoint.load(ckpt);
        assertEquals("2", mid.metadata().get("epochs_done"));
        assertEquals("adam", mid.optimizer().name());
        assertTrue(mid.optimizer().steps() > 0);
        assertEquals("cosine", mid.metadata().get("lr_schedule"));

        CliTest.Result wrong = CliTest.run("train", "--corpus", corpus().toString(), "--resume", ckpt.toString(), "--optimizer", "sgd");
        CliTest.assertUsage(wrong);
        assertEquals(1, wrong.errLines().size(), wrong.toString());
        assertTrue(wrong.err().contains("--optimizer sgd differs from the adam"), wrong.toString());

        CliTest.Result r = ok(CliTest.run("train", "--corpus", corpus().toString(), "--resume", ckpt.toString(), "--threads", "1",
                "--print-every", "1"));
        assertTrue(r.out().contains("resuming after epoch 2"), r.toString());
        SafeTensors.Contents a = SafeTensors.read(straight), b = SafeTensors.read(ckpt);
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String name : a.tensors().keySet()) {
            assertArrayEquals(a.tensors().get(name).floats(), b.tensors().get(name).floats(), name);
        }
        assertEquals(a.metadata().get("optimizer_steps"), b.metadata().get("optimizer_steps"));
        assertEquals(a.metadata().get("val_loss"), b.metadata().get("val_loss"));
    }

    @Test
    void initFromStartsFromAModelsWeightsAndVocabFromMapsANewText() throws IOException {
        Path base = tmp.resolve("base.safetensors");
        ok(train("--epochs", "1", "--save", base.toString()));
        Path tuned = tmp.resolve("tuned.safetensors");
        CliTest.Result r = ok(train("--epochs", "1", "--init-from", base.toString(), "--optimizer", "adam", "--lr", "0.003",
                "--save", tuned.toString()));
        assertTrue(r.outLines().get(0).contains("from the weights of " + base), r.toString());
        assertEquals("adam", Checkpoint.load(tuned).optimizer().name());
        assertEquals(base.toString(), Checkpoint.load(tuned).metadata().get("init_from"));

        CliTest.Result shape = CliTest.run("train", "--corpus", corpus().toString(), "--epochs", "1", "--init-from", base.toString(),
                "--hidden", "8", "--cell", "gru", "--batch-size", "4", "--num-steps", "8", "--save", tmp.resolve("x.safetensors").toString());
        CliTest.assertUsage(shape);
        assertEquals(1, shape.errLines().size(), shape.toString());
        assertTrue(shape.err().contains("--cell gru (the model is rnn)") && shape.err().contains("--hidden 8 (the model has 16)"), shape.toString());
        assertFalse(Files.exists(tmp.resolve("x.safetensors")));

        // Another text with characters the model has never seen: refused, then read with the model's vocabulary.
        Path other = Files.writeString(tmp.resolve("other.txt"), "Zebras & yaks {quietly} graze; 12345 67890.\n".repeat(40));
        List<String> args = new ArrayList<>(List.of("train", "--corpus", other.toString(), "--hidden", "16", "--batch-size", "4",
                "--num-steps", "8", "--epochs", "1", "--init-from", base.toString(), "--save", tmp.resolve("o.safetensors").toString()));
        CliTest.Result vocab = CliTest.run(args.toArray(String[]::new));
        CliTest.assertUsage(vocab);
        assertTrue(vocab.err().contains("--vocab-from"), vocab.toString());
        args.addAll(List.of("--vocab-from", base.toString()));
        ok(CliTest.run(args.toArray(String[]::new)));
        assertEquals(Checkpoint.load(base).model().vocab().tokens(), Checkpoint.load(tmp.resolve("o.safetensors")).model().vocab().tokens());
    }

    @Test
    void badCorporaFailInOneLine() throws IOException {
        Path one = Files.writeString(tmp.resolve("one.txt"), "a".repeat(500));
        CliTest.Result r = CliTest.run("train", "--corpus", one.toString(), "--hidden", "8", "--save", tmp.resolve("n.safetensors").toString());
        CliTest.assertFailureOneLine(r);
        assertTrue(r.err().contains("one distinct character"), r.toString());

        Path small = Files.writeString(tmp.resolve("small.txt"), "abcdefghij".repeat(30));
        r = CliTest.run("train", "--corpus", small.toString(), "--hidden", "8", "--batch-size", "32", "--num-steps", "4",
                "--save", tmp.resolve("n.safetensors").toString());
        CliTest.assertFailureOneLine(r);
        assertTrue(r.err().contains("validation split") && r.err().contains("--val-fraction"), r.toString());
        assertFalse(Files.exists(tmp.resolve("n.safetensors")));
    }

    @Test
    void aVocabularyTooLargeForTheOutputLayerSuggestsMinFreq() throws IOException {
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < 150_000; i++) words.append('w').append(Integer.toString(i, 36)).append(i % 20 == 19 ? '\n' : ' ');
        Path f = Files.writeString(tmp.resolve("words.txt"), words);
        CliTest.Result r = CliTest.run("train", "--corpus", f.toString(), "--tokenization", "word", "--hidden", "4096",
                "--save", tmp.resolve("n.safetensors").toString());
        CliTest.assertUsage(r);
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("--min-freq") && r.err().contains("GiB") && r.err().contains("vocabulary of 150,001"), r.toString());
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
