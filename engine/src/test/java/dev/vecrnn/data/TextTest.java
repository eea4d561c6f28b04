package dev.vecrnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Preprocessing, tokenisation and the vocabulary on small hand-made inputs, against d2l's Python semantics. */
class TextTest {

    @Test
    void preprocessKeepsLettersLowerCasedAndStripped() {
        assertEquals("the time machine", Preprocess.line("The Time-Machine, 1895!"));
        assertEquals("by h g wells", Preprocess.line("  By H. G. Wells [1898]  "));
        assertEquals("", Preprocess.line("1895 -- !!"));
        assertEquals("", Preprocess.line(""));
        // Non-ASCII letters are not in [A-Za-z]: they become spaces, as in d2l's re.sub('[^A-Za-z]+', ' ', line).
        assertEquals("caf na ve", Preprocess.line("Café naïve"));
    }

    @Test
    void linesSplitOnNewlinesAndTreatCrLfLikeLf() {
        assertEquals(List.of("ab", "cd", "", "e"), Preprocess.lines("Ab\r\ncD\r\n\r\ne"));
        assertEquals(Preprocess.lines("One, two\nthree\n\nfour!\n"), Preprocess.lines("One, two\r\nthree\r\n\r\nfour!\r\n"));
        // A trailing newline does not add an empty line (Python's readlines()).
        assertEquals(List.of("x"), Preprocess.lines("x\n"));
        assertEquals(List.of("x", ""), Preprocess.lines("x\n\n"));
        assertEquals(List.of(), Preprocess.lines(""));
    }

    @Test
    void loneCarriageReturnEndsALineAsInPythonUniversalNewlines() {
        // open(path).readlines() in d2l splits on '\r', '\n' and '\r\n' alike.
        assertEquals(List.of("ab", "cd"), Preprocess.lines("ab\rcd"));
        assertEquals(List.of("ab", "", "cd"), Preprocess.lines("ab\r\rcd\r"));
        Corpus c = Corpus.of("ab\rcd", Tokenization.CHAR, 0);
        assertEquals(4, c.ids().length, "no space is inserted between lines");
    }

    @Test
    void charTokensAreCodePoints() {
        assertEquals(List.of("a", " ", "b"), Tokenization.CHAR.tokens("a b"));
        assertEquals(List.of(), Tokenization.CHAR.tokens(""));
        assertEquals("ab c", Tokenization.CHAR.join(List.of("a", "b", " ", "c")));
    }

    @Test
    void wordTokensFollowPythonStrSplit() {
        assertEquals(List.of("the", "time", "machine"), Tokenization.WORD.tokens("the time machine"));
        assertEquals(List.of("a", "b", "c"), Tokenization.WORD.tokens("  a \t b\n  c  "));
        assertEquals(List.of(), Tokenization.WORD.tokens(""));
        assertEquals(List.of(), Tokenization.WORD.tokens("   "));
        assertEquals("a b", Tokenization.WORD.join(List.of("a", "b")));
    }

    @Test
    void tokenizationParses() {
        assertEquals(Tokenization.CHAR, Tokenization.parse("char"));
        assertEquals(Tokenization.WORD, Tokenization.parse(" WORD "));
        assertThrows(IllegalArgumentException.class, () -> Tokenization.parse("bpe"));
    }

    @Test
    void vocabOrdersByFrequencyWithTiesInFirstSeenOrder() {
        Vocab v = Vocab.build(List.of(List.of("b", "a", "z"), List.of("a", "b", "c", "c", "c")));
        // c: 3; b: 2 and a: 2 tie, b was seen first; z: 1
        assertEquals(List.of(Vocab.UNK, "c", "b", "a", "z"), v.tokens());
        assertEquals(5, v.size());
        assertEquals(1, v.index("c"));
        assertEquals(3, v.index("a"));
        assertEquals("z", v.token(4));
    }

    @Test
    void unknownTokensMapToZero() {
        Vocab v = Vocab.build(List.of(List.of("x", "y")));
        assertEquals(0, v.index("q"));
        assertEquals(0, v.index(Vocab.UNK));
        assertEquals(0, v.index(""));
        assertEquals(Vocab.UNK, v.token(0));
    }

    @Test
    void unkInTheDataIsNotAddedTwice() {
        Vocab v = Vocab.build(List.of(List.of(Vocab.UNK, "a", Vocab.UNK, Vocab.UNK)));
        assertEquals(List.of(Vocab.UNK, "a"), v.tokens());
    }

    @Test
    void vocabRejectsBadTokenLists() {
        assertThrows(IllegalArgumentException.class, () -> new Vocab(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Vocab(List.of("a", Vocab.UNK)));
        assertThrows(IllegalArgumentException.class, () -> new Vocab(List.of(Vocab.UNK, "a", "a")));
    }

    @Test
    void corpusConcatenatesLinesWithoutSeparatorAndTruncates() {
        Corpus c = Corpus.of("Ab C\n\nd!\nab", Tokenization.CHAR, 0);
        // lines "ab c", "", "d", "ab" -> tokens a b ' ' c d a b
        assertEquals(7, c.ids().length);
        assertEquals(7, c.tokensBeforeTruncation());
        StringBuilder s = new StringBuilder();
        for (int id : c.ids()) s.append(c.vocab().token(id));
        assertEquals("ab cdab", s.toString());
        Corpus t = Corpus.of("Ab C\n\nd!\nab", Tokenization.CHAR, 3);
        assertEquals(3, t.ids().length);
        assertEquals(7, t.tokensBeforeTruncation());
        assertEquals(c.vocab().tokens(), t.vocab().tokens(), "the vocabulary is built before truncation");
        Corpus big = Corpus.of("ab", Tokenization.CHAR, 100);
        assertEquals(2, big.ids().length);
        Corpus words = Corpus.of("The cat, the hat.\n\nA cat", Tokenization.WORD, 0);
        assertEquals(List.of(Vocab.UNK, "the", "cat", "hat", "a"), words.vocab().tokens());
        assertEquals(6, words.ids().length);
        assertEquals(Tokenization.WORD, words.tokenization());
    }
}
