package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.io.Checkpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train}'s checkpointing, exact resume, metrics, plots and divergence handling, end to end on small models. */
class TrainFeaturesTest {
    @TempDir
    Path tmp;

    private CliTest.Result train(String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data-dir", CliTest.sharedDataDir().toString(),
                "--hidden", "16", "--batch-size", "4", "--num-steps", "5", "--max-tokens", "2000", "--threads", "2"));
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(String[]::new));
    }

    private static float[] params(Path file) throws IOException {
        var model = Checkpoint.load(file).model();
        return model.params().data().clone();
    }

    @Test
    void resumeGivesTheSameBitsAsAStraightRun() throws IOException {
        Path straight = tmp.resolve("straight.safetensors"), part = tmp.resolve("part.safetensors"), resumed = tmp.resolve("resumed.safetensors");
        for (String mode : new String[] {"sequential", "random"}) {
            String[] random = mode.equals("random") ? new String[] {"--random-iter"} : new String[0];
            assertEquals(ExitCode.OK, train(concat(random, "--epochs", "6", "--save", straight.toString())).code());
            assertEquals(ExitCode.OK, train(concat(random, "--epochs", "3", "--save", part.toString())).code());
            CliTest.Result r = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--resume", part.toString(),
                    "--epochs", "6", "--threads", "1", "--save", resumed.toString());
            assertEquals(ExitCode.OK, r.code(), r.toString());
            assertTrue(r.out().contains("resuming after epoch 3"), r.toString());
            assertArrayEquals(params(straight), params(resumed), mode);
        }
    }

    @Test
    void checkpointsDuringTrainingResumeExactly() throws IOException {
        Path ckpt = tmp.resolve("ckpt.safetensors"), straight = tmp.resolve("straight.safetensors");
        assertEquals(ExitCode.OK, train("--epochs", "4", "--save", straight.toString()).code());
        // Checkpoint every epoch (epoch 1 mid-run, epoch 2 at the end), then resume from it, checkpointing again.
        assertEquals(ExitCode.OK, train("--epochs", "2", "--save", ckpt.toString(), "--checkpoint-every", "1").code());
        assertEquals("2", Checkpoint.load(ckpt).metadata().get("epochs_done"));
        CliTest.Result r = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--resume", ckpt.toString(),
                "--epochs", "4", "--checkpoint-every", "1");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertEquals("4", Checkpoint.load(ckpt).metadata().get("epochs_done"));
        assertArrayEquals(params(straight), params(ckpt));
    }

    @Test
    void resumeRefusesContradictionsAndFinishedRuns() {
        Path ckpt = tmp.resolve("c.safetensors");
        assertEquals(ExitCode.OK, train("--epochs", "2", "--save", ckpt.toString()).code());
        CliTest.Result r = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--resume", ckpt.toString(),
                "--epochs", "4", "--lr", "0.5");
        CliTest.assertUsage(r);
        assertTrue(r.err().contains("--lr"), r.toString());
        r = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--resume", ckpt.toString(), "--epochs", "2");
        CliTest.assertUsage(r);
        assertTrue(r.err().contains("already trained 2 epochs"), r.toString());
    }

    @Test
    void metricsAndPlots() throws IOException {
        Path csv = tmp.resolve("m.csv"), png = tmp.resolve("p.png"), svg = tmp.resolve("p.svg");
        CliTest.Result r = train("--epochs", "3", "--save", tmp.resolve("m.safetensors").toString(), "--metrics", csv.toString(),
                "--plot", png.toString(), "--quiet");
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertFalse(r.out().contains("epoch 1/"), "--quiet prints no progress lines: " + r);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("epoch,loss,perplexity,tokens_per_sec,seconds", lines.get(0));
        assertEquals(4, lines.size(), lines.toString());
        String[] row = lines.get(3).split(",");
        assertEquals("3", row[0]);
        assertEquals(Math.exp(Double.parseDouble(row[1])), Double.parseDouble(row[2]), 1e-9 * Double.parseDouble(row[2]));
        byte[] pngBytes = Files.readAllBytes(png);
        assertTrue(pngBytes.length > 1000 && pngBytes[1] == 'P' && pngBytes[2] == 'N' && pngBytes[3] == 'G', "a PNG");
        assertEquals(ExitCode.OK, train("--epochs", "2", "--save", tmp.resolve("n.safetensors").toString(), "--plot", svg.toString()).code());
        assertTrue(Files.readString(svg, StandardCharsets.UTF_8).contains("<svg"), "an SVG");
    }

    @Test
    void plainProgressLinesWhenNotATerminal() {
        CliTest.Result r = train("--epochs", "4", "--print-every", "2", "--save", tmp.resolve("m.safetensors").toString());
        assertEquals(ExitCode.OK, r.code(), r.toString());
        assertTrue(r.out().contains("epoch 2/4  perplexity "), r.toString());
        assertTrue(r.out().contains("epoch 4/4  perplexity "), r.toString());
        assertFalse(r.out().contains("epoch 3/4"), r.toString());
    }

    @Test
    void aDivergingRunKeepsThePreviousFile() throws IOException {
        Path save = tmp.resolve("keep.safetensors");
        assertEquals(ExitCode.OK, train("--epochs", "1", "--save", save.toString()).code());
        byte[] before = Files.readAllBytes(save);
        CliTest.Result r = train("--epochs", "3", "--lr", "1000000", "--clip", "1e30", "--save", save.toString());
        CliTest.assertFailureOneLine(r);
        assertTrue(r.err().contains("loss became"), r.toString());
        assertArrayEquals(before, Files.readAllBytes(save), "the previous model file is untouched");
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
