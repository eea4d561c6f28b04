package dev.vecrnn.bench;

import dev.vecrnn.data.Minibatch;
import dev.vecrnn.data.Vocab;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** d2l's vocabulary size (28) and minibatches of random tokens over it: what the training benchmarks step on. */
final class RandomBatches {
    private RandomBatches() {}

    /** {@code <unk>} and 27 letters. */
    static Vocab vocab() {
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK));
        for (int i = 1; i < 28; i++) tokens.add(Character.toString('a' + i - 1));
        return new Vocab(tokens);
    }

    /** {@code count} minibatches of {@code batch × steps} random inputs and targets. */
    static List<Minibatch> of(int batch, int steps, int count, long seed) {
        Random rng = new Random(seed);
        List<Minibatch> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            int[] x = new int[batch * steps], y = new int[batch * steps];
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextInt(28);
                y[i] = rng.nextInt(28);
            }
            out.add(new Minibatch(batch, steps, x, y));
        }
        return out;
    }
}
