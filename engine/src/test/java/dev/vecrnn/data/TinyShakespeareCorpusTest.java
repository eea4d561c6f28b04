package dev.vecrnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** nanoGPT's {@code shakespeare_char} preparation: raw characters, first 90% train, last 10% validation. */
class TinyShakespeareCorpusTest {
    static String text;

    @BeforeAll
    static void load() throws IOException {
        text = Files.readString(Fixtures.dataDir().resolve("tinyshakespeare.txt"), StandardCharsets.UTF_8);
    }

    @Test
    void splitSizesAndVocabularyMatchNanoGpt() {
        Corpus c = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 0, 0.1);
        assertEquals(1_115_394, c.tokensBeforeTruncation());
        assertEquals(1_003_854, c.ids().length);
        assertEquals(111_540, c.valIds().length);
        assertEquals(65 + 1, c.vocab().size(), "65 characters and <unk>");
        assertEquals(65, c.distinctTokens(), "<unk> never occurs");
        assertEquals(" ", c.vocab().token(1), "the space is the most frequent character");
        assertTrue(c.vocab().tokens().contains("\n") && c.vocab().tokens().contains("A") && c.vocab().tokens().contains("!"));
        // The split falls exactly where nanoGPT's does: the validation ids decode to the file's last 111,540 characters.
        StringBuilder val = new StringBuilder();
        for (int id : c.valIds()) val.append(c.vocab().token(id));
        assertEquals(text.substring(1_003_854), val.toString());
        assertTrue(text.startsWith("First Citizen:\nBefore we proceed"), "the ids are in file order");
        assertEquals(c.vocab().index("F"), c.ids()[0]);
    }

    @Test
    void maxTokensCutsBeforeSplitting() {
        Corpus c = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 1000, 0, 0.1);
        assertEquals(900, c.ids().length);
        assertEquals(100, c.valIds().length);
        assertEquals(66, c.vocab().size(), "still the whole file's vocabulary");
    }
}
