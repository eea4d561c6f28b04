package dev.vecrnn.io;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A checkpoint written to disk, as a JFR event; its duration is the write, fsync and rename. */
@Name("dev.vecrnn.CheckpointWrite")
@Label("vecrnn checkpoint write")
@Category("vecrnn")
@Description("A model file written atomically")
@StackTrace(false)
final class CheckpointWriteEvent extends Event {
    @Label("Path") String path;
    @Label("Size") @DataAmount long bytes;
}
