package dev.vecrnn.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.Tokenization;
import dev.vecrnn.data.Vocab;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The corpus reader (strict UTF-8 decoding, d2l's preprocessing, tokenisation, vocabulary) on arbitrary
 * bytes: invalid UTF-8 is refused by the decoder; everything else yields a corpus whose tokens are lower-case
 * letters and single spaces, indexed within the vocabulary.
 */
class CorpusFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void corpusInvariants(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException refused) {
            return;
        }
        for (Tokenization tok : Tokenization.values()) {
            Corpus c = Corpus.of(text, tok, bytes.length % 7 == 0 ? 0 : 50);
            Vocab v = c.vocab();
            if (!v.token(0).equals(Vocab.UNK)) throw new AssertionError("vocab must start with <unk>");
            for (int id : c.ids()) {
                if (id <= 0 || id >= v.size()) throw new AssertionError("token id " + id + " outside 1.." + (v.size() - 1));
            }
            for (int i = 1; i < v.size(); i++) {
                String t = v.token(i);
                boolean ok = tok == Tokenization.CHAR ? t.matches("[a-z ]") : t.matches("[a-z]+");
                if (!ok) throw new AssertionError("unexpected " + tok + " token '" + t + "'");
            }
        }
    }
}
