package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.api.LanguageModel;
import dev.vecrnn.api.Sampling;
import dev.vecrnn.io.Checkpoint;
import dev.vecrnn.model.RnnModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java API and the command line are one engine: the same model from both, the same text, the same loss. */
class ApiParityTest {
    @TempDir
    Path tmp;

    @Test
    void trainPredictAndEvalAgreeWithTheApi() throws IOException {
        Path cliModel = tmp.resolve("cli.safetensors");
        CliTest.Result t = CliTest.run("train", "--data-dir", CliTest.sharedDataDir().toString(), "--hidden", "16", "--epochs", "3",
                "--batch-size", "4", "--num-steps", "10", "--max-tokens", "2000", "--threads", "1", "--save", cliModel.toString(),
                "--quiet");
        assertEquals(ExitCode.OK, t.code(), t.toString());
        String text = Files.readString(CliTest.sharedDataDir().resolve("timemachine.txt"));
        Path apiModel = tmp.resolve("api.safetensors");
        LanguageModel.trainer().corpus(text).hidden(16).epochs(3).batchSize(4).steps(10).maxTokens(2000).threads(2).train()
                .save(apiModel);
        RnnModel a = Checkpoint.load(cliModel).model(), b = Checkpoint.load(apiModel).model();
        assertEquals(a.vocab().tokens(), b.vocab().tokens());
        for (String name : List.of("W_xh", "W_hh", "b_h", "W_hq", "b_q")) assertArrayEquals(a.tensor(name), b.tensor(name), name);

        LanguageModel m = LanguageModel.load(cliModel);
        CliTest.Result p = CliTest.run("predict", "--model", cliModel.toString(), "--prefix", "the time", "--num-preds", "60");
        assertEquals(m.generate("the time", 60) + System.lineSeparator(), p.out(), p.toString());
        CliTest.Result s = CliTest.run("predict", "--model", cliModel.toString(), "--prefix", "the time", "--num-preds", "60",
                "--temperature", "0.7", "--top-p", "0.9", "--seed", "4", "--samples", "2");
        List<String> samples = m.generate("the time", 60, Sampling.greedy().withTemperature(0.7).withTopP(0.9).withSeed(4), 2);
        assertEquals(String.join(System.lineSeparator(), samples) + System.lineSeparator(), s.out(), s.toString());

        Path sample = Files.writeString(tmp.resolve("sample.txt"), text.substring(50_000, 60_000));
        CliTest.Result e = CliTest.run("eval", "--model", apiModel.toString(), "--text", sample.toString());
        assertEquals(ExitCode.OK, e.code(), e.toString());
        String last = e.outLines().get(e.outLines().size() - 1);
        double nats = LanguageModel.load(apiModel).evaluate(text.substring(50_000, 60_000)).nats();
        assertTrue(last.startsWith(String.format(java.util.Locale.ROOT, "loss %.6f nats/token", nats)), last + " vs " + nats);
    }
}
