package dev.vecrnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** d2l's {@code load_corpus_time_machine()} on the shared, verified copy. */
class TimeMachineCorpusTest {
    static String text;

    @BeforeAll
    static void load() throws IOException {
        text = Files.readString(Fixtures.timeMachine(), StandardCharsets.UTF_8);
    }

    @Test
    void sharedCopyIsTheVerifiedOne() throws IOException {
        assertEquals(TimeMachine.SHA1, TimeMachine.sha1(Files.readAllBytes(Fixtures.timeMachine())));
    }

    @Test
    void countsAndVocabularyMatchD2l() {
        Corpus c = Corpus.of(text, Tokenization.CHAR, 10000);
        assertEquals(170580, c.tokensBeforeTruncation());
        assertEquals(10000, c.ids().length);
        assertEquals(List.of("<unk>", " ", "e", "t", "a", "i", "n", "o", "s", "h", "r", "d", "l", "m", "u", "c",
                "f", "w", "g", "y", "p", "b", "v", "k", "x", "z", "j", "q"), c.vocab().tokens());
        assertEquals(28, c.vocab().size());
        Corpus all = Corpus.of(text, Tokenization.CHAR, 0);
        assertEquals(170580, all.ids().length);
        Corpus neg = Corpus.of(text, Tokenization.CHAR, -1);
        assertEquals(170580, neg.ids().length);
    }

    @Test
    void keepsTheFirstTenThousandTokens() {
        Corpus c = Corpus.of(text, Tokenization.CHAR, 10000);
        StringBuilder decoded = new StringBuilder();
        for (int id : c.ids()) {
            assertTrue(id > 0, "no <unk> in the preprocessed book");
            decoded.append(c.vocab().token(id));
        }
        // Independent reference: d2l's re.sub on each line, joined without separators.
        StringBuilder ref = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            ref.append(line.replaceAll("[^A-Za-z]+", " ").strip().toLowerCase(java.util.Locale.ROOT));
            if (ref.length() >= 10000) break;
        }
        assertEquals(ref.substring(0, 10000), decoded.toString());
        assertTrue(decoded.toString().startsWith("the time machine by h g wellsithe time traveller for so it will be"),
                decoded.substring(0, 80));
    }

    @Test
    void wordCorpus() {
        Corpus w = Corpus.of(text, Tokenization.WORD, 0);
        assertEquals("the", w.vocab().token(1));
        assertTrue(w.vocab().size() > 4000, "several thousand distinct words: " + w.vocab().size());
        assertEquals(w.tokensBeforeTruncation(), w.ids().length);
    }
}
