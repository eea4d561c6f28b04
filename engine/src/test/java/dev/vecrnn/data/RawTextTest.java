package dev.vecrnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --preprocess none}, {@code --min-freq} and the validation split on small hand-made texts. */
class RawTextTest {

    static String decode(Corpus c, int[] ids) {
        StringBuilder s = new StringBuilder();
        for (int id : ids) s.append(c.vocab().token(id));
        return s.toString();
    }

    static List<String> tokens(Corpus c, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) out.add(c.vocab().token(id));
        return out;
    }

    @Test
    void rawCharactersKeepEverythingButUnifyLineEnds() {
        String text = "Ab\r\nc\td!\r9\n";
        Corpus c = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 0, 0);
        assertEquals("Ab\nc\td!\n9\n", decode(c, c.ids()), "CRLF and a lone CR become \\n, tabs and case stay");
        assertEquals(10, c.tokensBeforeTruncation());
        assertEquals(0, c.valIds().length);
        // '\n' is seen three times, then A b c \t d ! 9 once each in first-seen order
        assertEquals(List.of(Vocab.UNK, "\n", "A", "b", "c", "\t", "d", "!", "9"), c.vocab().tokens());
        assertEquals(Preprocessing.NONE, c.preprocessing());
        Corpus unix = Corpus.of("Ab\nc\td!\n9\n", Preprocessing.NONE, Tokenization.CHAR, 0, 0, 0);
        assertArrayEquals(unix.ids(), c.ids(), "the same text with Unix line ends gives the same ids");
        assertEquals(unix.vocab().tokens(), c.vocab().tokens());
    }

    @Test
    void aSurrogatePairIsOneTokenAndCjkCharactersAreTokens() {
        String text = "时间机器😀 a😀\n";
        assertEquals(11, text.length(), "each emoji takes two UTF-16 chars");
        Corpus c = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 0, 0);
        assertEquals(List.of("时", "间", "机", "器", "😀", " ", "a", "😀", "\n"), tokens(c, c.ids()));
        assertEquals(9, c.tokensBeforeTruncation());
        assertEquals("😀", c.vocab().token(1), "the emoji, seen twice, is the most frequent token");
        assertEquals(2, c.vocab().token(1).length());
        assertEquals(8 + 1, c.vocab().size());
    }

    @Test
    void rawWordsSplitOnWhitespaceWithoutLowerCasing() {
        Corpus c = Corpus.of("The cat,\tthe\r\nCat. the", Preprocessing.NONE, Tokenization.WORD, 0, 0, 0);
        assertEquals(List.of("The", "cat,", "the", "Cat.", "the"), tokens(c, c.ids()));
        assertEquals(List.of(Vocab.UNK, "the", "The", "cat,", "Cat."), c.vocab().tokens());
    }

    @Test
    void d2lPreprocessingThroughTheFullSignatureIsTheOldPath() {
        String text = "The Time-Machine, 1895!\r\nBy H. G. Wells\n\nthe end";
        for (Tokenization tok : Tokenization.values()) {
            Corpus old = Corpus.of(text, tok, 20);
            Corpus full = Corpus.of(text, Preprocessing.D2L, tok, 20, 0, 0);
            assertArrayEquals(old.ids(), full.ids());
            assertEquals(old.vocab().tokens(), full.vocab().tokens());
            assertEquals(old.tokensBeforeTruncation(), full.tokensBeforeTruncation());
            assertEquals(0, old.valIds().length);
            assertEquals(Preprocessing.D2L, old.preprocessing());
        }
    }

    @Test
    void minFreqLeavesRareTokensOutOfTheVocabulary() {
        String text = "aaab ba c";  // a: 4, b: 2, ' ': 2, c: 1
        Corpus all = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 0, 0);
        assertEquals(List.of(Vocab.UNK, "a", "b", " ", "c"), all.vocab().tokens());
        assertEquals(all.vocab().tokens(), Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 1, 0).vocab().tokens(),
                "min_freq 1 keeps everything, as 0 does");
        Corpus two = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 2, 0);
        assertEquals(List.of(Vocab.UNK, "a", "b", " "), two.vocab().tokens(), "count 2 is not below min_freq 2");
        assertEquals("aaab ba " + Vocab.UNK, decode(two, two.ids()));
        assertEquals(4, two.distinctTokens(), "a, b, space and <unk>");
        Corpus three = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 3, 0);
        assertEquals(List.of(Vocab.UNK, "a"), three.vocab().tokens());
        assertArrayEquals(new int[] {1, 1, 1, 0, 0, 0, 1, 0, 0}, three.ids());
        Corpus none = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 5, 0);
        assertEquals(List.of(Vocab.UNK), none.vocab().tokens());
        assertEquals(1, none.distinctTokens());
    }

    @Test
    void theLastFractionIsHeldOutAfterTheMaxTokensCut() {
        String text = "abcdefghijklmnopqrst"; // 20 tokens
        Corpus c = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 0, 0.1);
        assertEquals("abcdefghijklmnopqr", decode(c, c.ids()));
        assertEquals("st", decode(c, c.valIds()));
        assertEquals(20, c.tokens());
        Corpus cut = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 10, 0, 0.25);
        assertEquals("abcdefg", decode(cut, cut.ids()), "floor(10 · 0.75) = 7 training tokens");
        assertEquals("hij", decode(cut, cut.valIds()));
        assertEquals(20, cut.tokensBeforeTruncation());
        assertEquals(21, cut.vocab().size(), "the vocabulary comes from the whole text, past the cut too");
        Corpus half = Corpus.of(text, Preprocessing.NONE, Tokenization.CHAR, 0, 0, 0.5);
        assertEquals(10, half.ids().length);
        assertEquals(10, half.valIds().length);
    }

    @Test
    void splitFollowsNanoGptsIntOfNTimesNinetyPercent() {
        assertEquals(1_003_854, Corpus.trainTokens(1_115_394, 0.1)); // int(1115394 * 0.9) in Python
        assertEquals(9, Corpus.trainTokens(10, 0.1));
        assertEquals(0, Corpus.trainTokens(1, 0.5));
        assertEquals(1, Corpus.trainTokens(3, 0.5));
        assertEquals(7, Corpus.trainTokens(7, 0));
    }

    @Test
    void validationFractionOutsideZeroToOneIsRefused() {
        for (double f : new double[] {-0.1, 1, 1.5, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> Corpus.of("abc", Preprocessing.NONE, Tokenization.CHAR, 0, 0, f));
        }
    }

    @Test
    void unifyLineEndsChangesOnlyCarriageReturns() {
        assertEquals("a\nb\n\nc\n", Preprocessing.unifyLineEnds("a\r\nb\r\rc\n"));
        assertEquals("x\t y", Preprocessing.unifyLineEnds("x\t y"));
        assertEquals("", Preprocessing.unifyLineEnds(""));
        assertEquals("\n", Preprocessing.unifyLineEnds("\r"));
    }

    @Test
    void preprocessingParses() {
        assertEquals(Preprocessing.D2L, Preprocessing.parse("d2l"));
        assertEquals(Preprocessing.NONE, Preprocessing.parse(" None "));
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.parse("raw"));
    }
}
