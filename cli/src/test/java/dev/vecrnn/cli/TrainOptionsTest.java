package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.model.TensorSpec;
import dev.vecrnn.model.TensorTable;
import dev.vecrnn.optim.Optimizer;
import dev.vecrnn.optim.Schedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The optimizer, validation, fine-tuning and dropout options: parsing and validation, without training. */
class TrainOptionsTest {
    @TempDir
    Path tmp;

    static TrainCommand parse(String... args) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    private static final TensorTable PARAMS = new TensorTable(List.of(new TensorSpec("W", 2, 3), new TensorSpec("b", 3)));

    @Test
    void defaultsAreD2lsSgdAtAConstantRate() {
        TrainCommand cmd = parse();
        assertEquals(0f, cmd.config().dropout());
        Optimizer o = cmd.optimizer.create(PARAMS);
        assertEquals("sgd", o.name());
        assertNull(cmd.optimizer.schedule(1, 100), "no schedule: the trainer keeps --lr, as d2l");
        assertEquals(new ValidationOptions.Every(10, 0), cmd.validation.every(cmd.printEvery), "with each progress line");
        assertNull(cmd.validation.timeLimit());
        assertFalse(cmd.validation.saveBest);
        assertNull(cmd.prefix);
    }

    @Test
    void optimizerHyperparametersDefaultToPyTorchsAndTakeTheCommandLine() {
        assertEquals(Map.of("beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weight_decay", 0.01),
                parse("--optimizer", "adamw").optimizer.create(PARAMS).hyperparameters());
        assertEquals(Map.of("beta1", 0.8, "beta2", 0.95, "eps", 1e-6, "weight_decay", 0.1),
                parse("--optimizer", "ADAM", "--beta1", "0.8", "--beta2", "0.95", "--eps", "1e-6", "--weight-decay", "0.1")
                        .optimizer.create(PARAMS).hyperparameters());
        assertEquals(Map.of("alpha", 0.9, "eps", 1e-8, "weight_decay", 0.0),
                parse("--optimizer", "rmsprop", "--alpha", "0.9").optimizer.create(PARAMS).hyperparameters());
        assertEquals(2 * PARAMS.specs().size(), parse("--optimizer", "adam").optimizer.create(PARAMS).state().size(), "two moments a parameter");
    }

    @Test
    void schedulesCountMinibatches() {
        Schedule cos = parse("--lr-schedule", "cosine", "--warmup", "10", "--lr-min", "0.1").optimizer.schedule(1, 110);
        assertEquals(Schedule.cosine(1, 10, 110, 0.1), cos);
        assertEquals(0.1f, cos.lr(0));
        assertEquals(0.1f, cos.lr(110), 1e-7f);
        Schedule step = parse("--lr-schedule", "step", "--lr-step-every", "5", "--lr-gamma", "0.5").optimizer.schedule(2, 100);
        assertEquals(2f, step.lr(4));
        assertEquals(1f, step.lr(5));
        assertEquals(Schedule.constant(1, 3), parse("--warmup", "3").optimizer.schedule(1, 100));
        assertEquals(Map.of("lr_schedule", "cosine", "warmup", "10", "lr_min", "0.1", "lr_total_steps", "110"),
                OptimizerOptions.metadata(cos));
    }

    @Test
    void evalEveryTakesEpochsOrMinibatches() {
        assertEquals(new ValidationOptions.Every(5, 0), parse("--eval-every", "5").validation.every(10));
        assertEquals(new ValidationOptions.Every(0, 200), parse("--eval-every", "200b").validation.every(10));
        assertEquals(Duration.ofSeconds(90), parse("--time-limit", "90s").validation.timeLimit());
        assertEquals(Duration.ofMinutes(10), parse("--time-limit", "10m").validation.timeLimit());
        assertEquals(Duration.ofMinutes(90), parse("--time-limit", "1h30m").validation.timeLimit());
        assertEquals(Duration.ofHours(2), parse("--time-limit", "2h").validation.timeLimit());
        assertEquals(3, parse("--patience", "3").validation.patience);
    }

    @Test
    void dropoutIsParsedAndReachesTheConfig() {
        assertEquals(0.25f, parse("--dropout", "0.25").config().dropout());
        assertEquals(0f, parse("--dropout", "0").config().dropout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--optimizer=lion", "--optimizer=", "--lr-schedule=linear", "--dropout=1", "--dropout=-0.1", "--dropout=NaN",
            "--eval-every=0", "--eval-every=0b", "--eval-every=ten", "--eval-every=-3", "--patience=0", "--patience=-1",
            "--time-limit=10x", "--time-limit=", "--time-limit=0s", "--time-limit=1.5h", "--val-fraction=0.6", "--val-fraction=-0.1",
            "--warmup=-1", "--lr-gamma=0", "--lr-gamma=2", "--lr-step-every=0", "--lr-min=-1", "--beta2=1", "--eps=-1"})
    void invalidValuesAreUsageErrorsNamingTheOption(String arg) {
        TrainCommand cmd = parse(arg);
        UserException e = assertThrows(UserException.class, cmd::config);
        assertEquals(ExitCode.USAGE, e.exitCode);
        String option = arg.substring(0, arg.indexOf('='));
        String named = option.equals("--beta2") || option.equals("--eps") ? "--optimizer" : option;
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void aHyperparameterTheOptimizerLacksIsRefused() {
        UserException e = assertThrows(UserException.class, () -> parse("--optimizer", "adam", "--alpha", "0.9").config());
        assertEquals(ExitCode.USAGE, e.exitCode);
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
        e = assertThrows(UserException.class, () -> parse("--beta1", "0.5").config());
        assertTrue(e.getMessage().contains("sgd has no hyperparameter beta1"), e.getMessage());
    }

    @Test
    void theMemoryCheckCountsAdamsMoments() {
        dev.vecrnn.train.TrainConfig cfg = parse("--hidden", "256").config();
        dev.vecrnn.model.CellStack cell = dev.vecrnn.model.Cells.stack("lstm", 2);
        long sgd = dev.vecrnn.train.Arena.footprint(cell, 5000, 256, cfg.batch(), cfg.steps(), 0, false).bytes();
        long adam = dev.vecrnn.train.Arena.footprint(cell, 5000, 256, cfg.batch(), cfg.steps(), 2, false).bytes();
        assertTrue(adam > sgd, adam + " vs " + sgd);
        long between = (sgd + adam) / 2;
        MemoryBudget.check(cell, 5000, cfg, 0, 0, between);
        UserException e = assertThrows(UserException.class, () -> MemoryBudget.check(cell, 5000, cfg, 2, 3, between));
        assertEquals(ExitCode.USAGE, e.exitCode);
        assertTrue(e.getMessage().contains("optimizer's state") && e.getMessage().contains("--min-freq 6"), e.getMessage());
    }

    @Test
    void saveBestAndCheckpointEveryWouldOverwriteEachOther() {
        UserException e = assertThrows(UserException.class, () -> parse("--save-best", "--checkpoint-every", "2").config());
        assertEquals(ExitCode.USAGE, e.exitCode);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--optimizer lion", "--lr-schedule linear", "--dropout 1", "--eval-every 0", "--patience 0",
            "--time-limit soon", "--val-fraction 0.7", "--save-best --checkpoint-every 1", "--prefix="})
    void badCommandLinesExitWithTwoInOneLineAndWriteNothing(String args) {
        Path save = tmp.resolve("never.safetensors");
        List<String> all = new java.util.ArrayList<>(List.of(("train " + args).split(" ")));
        all.addAll(List.of("--corpus", tmp.resolve("absent.txt").toString(), "--save", save.toString(), "--metrics", tmp.resolve("m.csv").toString()));
        CliTest.Result r = CliTest.run(all.toArray(String[]::new));
        CliTest.assertUsage(r);
        assertEquals(1, r.errLines().size(), r.toString());
        assertFalse(Files.exists(save) || Files.exists(tmp.resolve("m.csv")), "nothing written: " + r);
    }

    @Test
    void validationOptionsNeedASplit() {
        for (String opt : List.of("--save-best", "--patience=2", "--eval-every=3")) {
            CliTest.Result r = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), opt, "--hidden", "8",
                    "--save", tmp.resolve("m.safetensors").toString());
            CliTest.assertUsage(r);
            assertTrue(r.err().contains("needs a validation split"), r.toString());
            assertFalse(Files.exists(tmp.resolve("m.safetensors")));
        }
    }
}
