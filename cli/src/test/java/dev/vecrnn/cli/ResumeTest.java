package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.kernels.KernelProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --resume}: the stored target, the kernels and the metrics file of the interrupted run. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ResumeTest {
    @TempDir
    Path tmp;

    private CliTest.Result train(String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data-dir", CliTest.sharedDataDir().toString(),
                "--hidden", "16", "--batch-size", "4", "--num-steps", "5", "--max-tokens", "2000", "--threads", "2",
                "--print-every", "1000"));
        args.addAll(List.of(extra));
        CliTest.Result r = CliTest.run(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, r.code(), r.toString());
        return r;
    }

    private CliTest.Result resume(Path ckpt, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data-dir", CliTest.sharedDataDir().toString(),
                "--resume", ckpt.toString(), "--print-every", "1000"));
        args.addAll(List.of(extra));
        CliTest.Result r = CliTest.run(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, r.code(), r.toString());
        return r;
    }

    /** Rewrites some of a checkpoint's metadata, as another machine or an interrupted run would have left it. */
    private static void edit(Path ckpt, Map<String, String> changes) throws IOException {
        Checkpoint.Loaded loaded = Checkpoint.load(ckpt);
        Map<String, String> meta = new HashMap<>(loaded.metadata());
        meta.putAll(changes);
        Checkpoint.save(loaded.model(), meta, ckpt);
    }

    /** A checkpoint after epoch 2 of a run started for 4 epochs, as a kill after that checkpoint leaves it. */
    private Path interruptedAfter2Of4() throws IOException {
        Path ckpt = tmp.resolve("ckpt.safetensors");
        train("--epochs", "2", "--save", ckpt.toString());
        edit(ckpt, Map.of("epochs", "4"));
        return ckpt;
    }

    @Test
    void withoutEpochsTheInterruptedRunsTargetIsKept() throws IOException {
        Path straight = tmp.resolve("straight.safetensors");
        train("--epochs", "4", "--save", straight.toString());
        Path ckpt = interruptedAfter2Of4();
        CliTest.Result r = resume(ckpt);
        assertTrue(r.out().contains("4 epochs (resuming after epoch 2)"), r.toString());
        assertEquals("4", Checkpoint.load(ckpt).metadata().get("epochs_done"));
        assertArrayEquals(Checkpoint.load(straight).model().params().data(), Checkpoint.load(ckpt).model().params().data());
        // An explicit --epochs still wins.
        resume(ckpt, "--epochs", "5");
        assertEquals("5", Checkpoint.load(ckpt).metadata().get("epochs_done"));
        // A finished run says how to go on.
        CliTest.Result done = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--resume", ckpt.toString());
        CliTest.assertUsage(done);
        assertTrue(done.err().contains("already trained 5 epochs, all it was started for; give --epochs above 5"), done.toString());
    }

    @Test
    void aCheckpointRecordsItsKernelsAndOthersAreReportedOnce() throws IOException {
        Path ckpt = tmp.resolve("k.safetensors");
        train("--epochs", "1", "--save", ckpt.toString());
        String mine = KernelProvider.get().name();
        assertEquals(mine, Checkpoint.load(ckpt).metadata().get("kernels"));
        CliTest.Result same = resume(ckpt, "--epochs", "2");
        assertFalse(same.err().contains("warning"), same.toString());

        String other = mine.equals("vector-256") ? "vector-512" : "vector-256";
        edit(ckpt, Map.of("kernels", other));
        CliTest.Result r = resume(ckpt, "--epochs", "4", "--checkpoint-every", "1");
        List<String> warnings = r.errLines().stream().filter(l -> l.contains("warning")).toList();
        assertEquals(1, warnings.size(), r.toString());
        assertTrue(warnings.get(0).contains(other) && warnings.get(0).contains(mine), r.toString());
        assertTrue(warnings.get(0).contains("not be bit-identical"), r.toString());
        assertEquals(mine, Checkpoint.load(ckpt).metadata().get("kernels"), "the new checkpoint records this run's kernels");
    }

    @Test
    void metricsAreAppendedOnResumeAndRowsPastTheCheckpointAreDropped() throws IOException {
        Path csv = tmp.resolve("m.csv"), ckpt = tmp.resolve("c.safetensors"), plot = tmp.resolve("p.svg");
        train("--epochs", "2", "--save", ckpt.toString(), "--metrics", csv.toString());
        List<String> first = Files.readAllLines(csv);
        resume(ckpt, "--epochs", "4", "--metrics", csv.toString(), "--plot", plot.toString());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(first, lines.subList(0, 3), "the first run's rows are kept");
        assertEquals(List.of("1", "2", "3", "4"), epochs(lines));

        // A run killed after its epoch-2 checkpoint had logged epochs 3 and 4: resuming trains them again,
        // and the file holds each epoch once.
        Path ckpt2 = interruptedAfter2Of4();
        Files.writeString(csv, String.join("\n", lines) + "\n3,9.9"); // and a row cut short by the kill
        resume(ckpt2, "--metrics", csv.toString());
        List<String> again = Files.readAllLines(csv);
        assertEquals(List.of("1", "2", "3", "4"), epochs(again));
        assertEquals(lines.subList(0, 3), again.subList(0, 3));
    }

    private static List<String> epochs(List<String> csvLines) {
        assertEquals(MetricsLog.HEADER, csvLines.get(0));
        return csvLines.subList(1, csvLines.size()).stream().map(l -> l.split(",")[0]).toList();
    }
}
