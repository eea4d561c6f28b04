package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.kernels.KernelProvider;
import dev.vecrnn.model.RnnModel;
import dev.vecrnn.optim.Adam;
import dev.vecrnn.optim.Schedule;
import dev.vecrnn.optim.Sgd;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Training.Listener#onBatch}, a caller's trainer and a schedule. */
class TrainingHookTest {
    static Corpus corpus;

    @BeforeAll
    static void load() throws Exception {
        TrainingTest.load();
        corpus = TrainingTest.corpus;
    }

    private static final TrainConfig CFG = new TrainConfig(16, 8, 10, 3, 1f, 1f, false, 3, 2);

    @Test
    void theHookSeesEveryMinibatchAndCanStopMidEpoch() {
        List<int[]> seen = new ArrayList<>();
        int[] epochs = {0};
        Training.EpochStats last = Training.run(TrainingTest.model(16, 1), corpus, CFG, KernelProvider.get(), Training.Progress.start(3),
                new Training.Listener() {
                    @Override public boolean onEpoch(Training.EpochStats s, Training.Progress p) {
                        epochs[0]++;
                        return true;
                    }

                    @Override public boolean onBatch(int epoch, int batch, int batches) {
                        seen.add(new int[] {epoch, batch, batches});
                        return !(epoch == 2 && batch == 5);
                    }
                });
        assertEquals(1, epochs[0], "the stopped epoch has no onEpoch");
        int perEpoch = seen.get(0)[2];
        assertEquals(perEpoch + 5, seen.size());
        for (int i = 0; i < perEpoch; i++) assertArrayEquals(new int[] {1, i + 1, perEpoch}, seen.get(i));
        assertEquals(2, last.epoch());
        assertEquals(5L * CFG.batch() * CFG.steps(), last.tokens(), "the statistics of the epoch so far");
    }

    @Test
    void aCallersSgdTrainerWithoutScheduleIsTheDefaultRunBitForBit() {
        RnnModel a = TrainingTest.model(16, 1), b = TrainingTest.model(16, 1);
        Training.run(a, corpus, CFG, KernelProvider.get(), (s, p) -> true);
        try (Trainer t = new Trainer(b, KernelProvider.get(), CFG.batch(), CFG.steps(), CFG.lr(), CFG.clip(), 1, new Sgd(b.table()))) {
            Training.run(t, corpus, CFG, null, Training.Progress.start(CFG.seed()), (s, p) -> true);
        }
        assertArrayEquals(a.params().data(), b.params().data());
    }

    @Test
    void theScheduleSetsEveryStepsRateFromTheOptimizerSteps() {
        RnnModel m = TrainingTest.model(16, 1);
        Schedule s = Schedule.cosine(0.01, 4, 60, 0.001);
        List<Float> rates = new ArrayList<>();
        try (Trainer t = new Trainer(m, KernelProvider.get(), CFG.batch(), CFG.steps(), 0.5f, CFG.clip(), 2, new Adam(m.table()))) {
            Training.run(t, corpus, CFG, s, Training.Progress.start(CFG.seed()), new Training.Listener() {
                @Override public boolean onEpoch(Training.EpochStats st, Training.Progress p) { return true; }

                @Override public boolean onBatch(int epoch, int batch, int batches) {
                    rates.add(t.lr());
                    return true;
                }
            });
            for (int i = 0; i < rates.size(); i++) assertEquals(s.lr(i), rates.get(i), "step " + i);
            assertEquals(rates.size(), t.optimizerSteps());
            assertNotEquals(rates.get(0), rates.get(rates.size() - 1));
        }
    }
}
