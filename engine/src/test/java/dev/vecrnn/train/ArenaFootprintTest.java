package dev.vecrnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import dev.vecrnn.model.Cells;
import dev.vecrnn.model.RnnCell;
import dev.vecrnn.model.RnnModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Arena#footprint} counts exactly what a model, its arena and a trainer allocate, without allocating. */
class ArenaFootprintTest {

    @ParameterizedTest(name = "vocab {0}, hidden {1}, batch {2}, steps {3}")
    @CsvSource({"28, 16, 4, 5", "28, 512, 32, 35", "100, 7, 17, 3", "5, 33, 16, 1", "1000, 24, 33, 9"})
    void matchesWhatIsAllocated(int vocabSize, int hidden, int batch, int steps) {
        RnnModel model = new RnnModel(new RnnCell(), vocab(vocabSize), Tokenization.CHAR, hidden);
        Arena arena = new Arena(model, batch, steps);
        Arena.Footprint f = Arena.footprint(Cells.stack("rnn", 1), vocabSize, hidden, batch, steps);
        assertEquals(model.table().size(), f.paramFloats());
        assertEquals(arena.data.length, f.arenaFloats());
        assertEquals(arena.tokens.length, f.tokenInts());
        assertEquals((long) batch * hidden, f.stateFloats());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sgd", "adam", "adamw", "rmsprop"})
    void countsTheOptimizerState(String name) {
        RnnModel model = new RnnModel("lstm", 2, vocab(30), Tokenization.CHAR, 12);
        var optimizer = dev.vecrnn.optim.Optimizers.create(name, java.util.Map.of(), model.table());
        Arena arena = new Arena(model, 20, 6, optimizer.state());
        int copies = dev.vecrnn.optim.Optimizers.stateCopies(name);
        Arena.Footprint f = Arena.footprint(Cells.stack("lstm", 2), 30, 12, 20, 6, copies, false);
        assertEquals(arena.data.length, f.arenaFloats());
        assertEquals(arena.optimizerState.size(), (long) copies * model.table().size());
        assertEquals(name.equals("sgd") ? 0 : name.equals("rmsprop") ? 1 : 2, copies);
    }

    @Test
    void countsTheVocabularyAndGoesPastTheArrayLimitWithoutOverflow() {
        // A 70,000-word vocabulary with 4096 hidden units: 590M parameters, each mirrored by the summed
        // gradients, the partials of a batch of 48's second and third chunks and the packed weights.
        Arena.Footprint f = Arena.footprint(Cells.stack("rnn", 1), 70_000, 4096, 48, 35);
        long params = 70_000L * 4096 + 4096L * 4096 + 4096 + 4096L * 70_000 + 70_000;
        assertEquals(params, f.paramFloats());
        assertTrue(f.arenaFloats() > 3 * params && f.arenaFloats() > Integer.MAX_VALUE, Long.toString(f.arenaFloats()));
        assertTrue(f.bytes() > 4 * (4 * params), Long.toString(f.bytes()));
        // Absurd sizes saturate instead of wrapping around to something that would fit.
        assertEquals(Long.MAX_VALUE, Arena.footprint(Cells.stack("rnn", 1), Integer.MAX_VALUE, 16384, 65536, 65536).bytes());
    }

    private static Vocab vocab(int size) {
        List<String> tokens = new ArrayList<>(List.of(Vocab.UNK));
        for (int i = 0; tokens.size() < size; i++) tokens.add("t" + i);
        return new Vocab(tokens);
    }
}
