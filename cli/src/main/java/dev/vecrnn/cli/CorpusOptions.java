package dev.vecrnn.cli;

import dev.vecrnn.data.Corpus;
import dev.vecrnn.data.TimeMachine;
import dev.vecrnn.data.Tokenization;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the training text comes from and how it is tokenised. */
public final class CorpusOptions {
    @Option(names = "--corpus", paramLabel = "FILE",
            description = "Train on this UTF-8 text file instead of The Time Machine (no hash check).")
    Path corpus;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder holding timemachine.txt (default: $" + TimeMachine.DATA_DIR_ENV + ", else the per-user cache).")
    Path dataDir;

    @Option(names = "--data-url", paramLabel = "URL",
            description = "Where to download The Time Machine when the cache is empty (default: $" + TimeMachine.DATA_URL_ENV
                    + ", else d2l's URL). file: URLs work.")
    String dataUrl;

    @Option(names = "--tokenization", paramLabel = "char|word", defaultValue = "char",
            description = "Tokens: characters (d2l 8.5) or words. Default: ${DEFAULT-VALUE}.")
    String tokenization;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "10000",
            description = "Keep the first N tokens, as load_data_time_machine; 0 keeps all. Default: ${DEFAULT-VALUE}.")
    int maxTokens;

    Tokenization tokenization() {
        try {
            return Tokenization.parse(tokenization);
        } catch (IllegalArgumentException e) {
            throw UserException.usage("--tokenization: " + e.getMessage());
        }
    }

    /** A short name of the source, for the first line of output. */
    String describe() {
        return corpus != null ? corpus.toString() : "The Time Machine";
    }

    /** The raw text: the --corpus file, or The Time Machine, verified. */
    String text() {
        if (maxTokens < 0) throw UserException.usage("--max-tokens must be 0 (all) or positive, not " + maxTokens);
        tokenization();
        return corpus != null ? readUtf8(corpus) : timeMachine();
    }

    Corpus load(String text, int maxTokens, Tokenization tok) {
        Corpus c = Corpus.of(text, tok, maxTokens);
        if (c.ids().length == 0) {
            throw UserException.failure((corpus != null ? corpus : "the corpus") + " has no letters to train on: "
                    + "preprocessing keeps only A-Z and a-z");
        }
        return c;
    }

    private String timeMachine() {
        try {
            return TimeMachine.load(dataDir, dataUrl, System.getenv());
        } catch (TimeMachine.DataException e) {
            throw UserException.failure(e.getMessage());
        }
    }

    static String readUtf8(Path file) {
        try {
            if (Files.isDirectory(file)) throw UserException.failure("--corpus " + file + " is a folder; give a text file");
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) throw UserException.failure("--corpus " + file + " is empty; give a text file with some text");
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw UserException.failure("--corpus " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw UserException.failure("--corpus " + file + " cannot be read (permission denied)");
        } catch (CharacterCodingException e) {
            throw UserException.failure("--corpus " + file + " is not UTF-8 text; convert it (e.g. iconv -t UTF-8)");
        } catch (IOException e) {
            throw UserException.failure("cannot read --corpus " + file + " (" + e.getMessage() + ")");
        }
    }
}
