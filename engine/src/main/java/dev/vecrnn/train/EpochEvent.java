package dev.vecrnn.train;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** One training epoch, as a JFR event: cheap enough to leave on (one per epoch). */
@Name("dev.vecrnn.Epoch")
@Label("vecrnn epoch")
@Category("vecrnn")
@Description("One training epoch: its perplexity and throughput")
@StackTrace(false)
final class EpochEvent extends Event {
    @Label("Epoch") int epoch;
    @Label("Perplexity") double perplexity;
    @Label("Tokens per second") double tokensPerSecond;
    @Label("Tokens") long tokens;
    @Label("Threads") int threads;
}
