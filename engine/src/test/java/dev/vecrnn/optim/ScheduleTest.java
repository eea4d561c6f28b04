package dev.vecrnn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each schedule at its start, the end of warmup, the middle, the end and past the end, against its formula. */
class ScheduleTest {
    static final double LR = 0.01, MIN = 0.001;

    @Test
    void constantWithoutWarmupIsTheRate() {
        Schedule s = Schedule.constant(LR, 0);
        for (long step : new long[] {0, 1, 999, 1L << 40}) assertEquals((float) LR, s.lr(step), "step " + step);
    }

    @Test
    void warmupRisesLinearlyAndReachesTheRateOnItsLastStep() {
        Schedule s = Schedule.constant(LR, 10);
        assertEquals((float) (LR / 10), s.lr(0), "the first step already moves");
        assertEquals((float) (LR * 5 / 10), s.lr(4));
        assertEquals((float) LR, s.lr(9), "last warmup step");
        assertEquals((float) LR, s.lr(10));
        for (long step = 1; step < 10; step++) assertTrue(s.lr(step) > s.lr(step - 1), "rises at " + step);
    }

    @Test
    void cosineDecaysFromTheRateToTheMinimum() {
        Schedule s = Schedule.cosine(LR, 100, 1100, MIN);
        assertEquals((float) (LR / 100), s.lr(0));
        assertEquals((float) LR, s.lr(99), "end of warmup");
        assertEquals((float) LR, s.lr(100), "start of the decay");
        assertEquals((float) ((LR + MIN) / 2), s.lr(600), 1e-9, "middle");
        double quarter = MIN + (LR - MIN) * 0.5 * (1 + Math.cos(Math.PI * 0.25));
        assertEquals((float) quarter, s.lr(350), 1e-9, "a quarter of the way");
        assertEquals((float) MIN, s.lr(1100), 1e-9, "end");
        assertEquals((float) MIN, s.lr(1101), "past the end");
        assertEquals((float) MIN, s.lr(1_000_000), "long past the end");
        for (long step = 101; step <= 1100; step++) assertTrue(s.lr(step) <= s.lr(step - 1), "falls at " + step);
    }

    @Test
    void stepDecaysByGammaEveryNStepsAfterWarmup() {
        Schedule s = Schedule.step(LR, 0, 100, 0.5);
        assertEquals((float) LR, s.lr(0));
        assertEquals((float) LR, s.lr(99));
        assertEquals((float) (LR / 2), s.lr(100));
        assertEquals((float) (LR / 4), s.lr(250));
        Schedule w = Schedule.step(LR, 20, 100, 0.1);
        assertEquals((float) (LR / 20), w.lr(0));
        assertEquals((float) LR, w.lr(19));
        assertEquals((float) LR, w.lr(119), "decays count from the end of warmup");
        assertEquals((float) (LR * 0.1), w.lr(120));
        assertEquals((float) (LR * 0.1), w.lr(219));
        assertEquals((float) (LR * 0.1 * 0.1), w.lr(220), 1e-12);
    }

    @Test
    void namesAndInvalidSchedules() {
        assertEquals(Schedule.Kind.COSINE, Schedule.kind(" Cosine"));
        assertEquals(Schedule.Kind.STEP, Schedule.kind("step"));
        assertEquals(Schedule.Kind.CONSTANT, Schedule.kind("constant"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.kind("linear"));
        assertTrue(e.getMessage().contains("constant, cosine, step"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedule.cosine(LR, 100, 100, MIN), "total within warmup");
        assertThrows(IllegalArgumentException.class, () -> Schedule.cosine(LR, 0, 100, 2 * LR), "lrMin above lr");
        assertThrows(IllegalArgumentException.class, () -> Schedule.step(LR, 0, 0, 0.5), "every 0 steps");
        assertThrows(IllegalArgumentException.class, () -> Schedule.step(LR, 0, 10, 1.5), "gamma above 1");
        assertThrows(IllegalArgumentException.class, () -> Schedule.constant(0, 0), "zero rate");
        assertThrows(IllegalArgumentException.class, () -> Schedule.constant(LR, -1), "negative warmup");
        assertThrows(IllegalArgumentException.class, () -> Schedule.constant(LR, 0).lr(-1), "negative step");
    }
}
