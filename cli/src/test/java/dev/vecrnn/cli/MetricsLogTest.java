package dev.vecrnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vecrnn.train.Training;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MetricsLog} when resuming: the earlier rows are read back for the plot, and later ones cut off. */
class MetricsLogTest {
    @TempDir
    Path tmp;

    private static final String ROWS = MetricsLog.HEADER + "\n1,2.5,12.18,1000.0,0.1\n2,2.0,7.38,1001.0,0.1\n3,1.5,4.48,1002.0,0.1\n";

    private static Training.EpochStats stats(int epoch) {
        return new Training.EpochStats(epoch, 9, 1.0, Math.E, 5, 0.5);
    }

    @Test
    void resumingAppendsAfterTheCheckpointsEpochAndReadsTheRowsBack() throws IOException {
        Path csv = tmp.resolve("m.csv");
        Files.writeString(csv, ROWS);
        try (MetricsLog log = MetricsLog.open(csv, 2)) {
            assertEquals(2, log.rows.size());
            assertArrayEquals(new double[] {1, 12.18}, log.rows.get(0));
            assertArrayEquals(new double[] {2, 7.38}, log.rows.get(1));
            log.add(stats(3));
            assertEquals(3, log.rows.size());
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals(4, lines.size(), lines.toString());
        assertEquals(List.of(ROWS.split("\n")).subList(0, 3), lines.subList(0, 3));
        assertEquals("3,1.0," + Math.E + ",10.0,0.5", lines.get(3));
    }

    @Test
    void aFreshRunStartsTheFileAnew() throws IOException {
        Path csv = tmp.resolve("m.csv");
        Files.writeString(csv, ROWS);
        try (MetricsLog log = MetricsLog.open(csv, 0)) {
            assertEquals(0, log.rows.size());
        }
        assertEquals(List.of(MetricsLog.HEADER), Files.readAllLines(csv));
    }

    @Test
    void resumingIntoAMissingFileStartsIt() throws IOException {
        Path csv = tmp.resolve("new.csv");
        try (MetricsLog log = MetricsLog.open(csv, 5)) {
            log.add(stats(6));
        }
        assertEquals(2, Files.readAllLines(csv).size());
    }

    @Test
    void aRowCutShortIsDroppedAndACompleteOneWithoutNewlineIsEnded() throws IOException {
        Path csv = tmp.resolve("m.csv");
        Files.writeString(csv, ROWS + "4,1.2,3.3");
        try (MetricsLog log = MetricsLog.open(csv, 5)) {
            assertEquals(3, log.rows.size());
        }
        assertEquals(ROWS, Files.readString(csv));
        Files.writeString(csv, ROWS.substring(0, ROWS.length() - 1));
        try (MetricsLog log = MetricsLog.open(csv, 5)) {
            log.add(stats(4));
        }
        assertEquals(5, Files.readAllLines(csv).size());
    }

    @Test
    void aFileThatIsNotAMetricsLogIsLeftAlone() throws IOException {
        Path csv = tmp.resolve("notes.csv");
        Files.writeString(csv, "my,own,data\n1,2,3\n");
        UserException e = assertThrows(UserException.class, () -> MetricsLog.open(csv, 2));
        assertEquals(ExitCode.USAGE, e.exitCode);
        assertEquals("my,own,data\n1,2,3\n", Files.readString(csv));
        Files.writeString(csv, ROWS + "oops\n");
        e = assertThrows(UserException.class, () -> MetricsLog.open(csv, 5));
        assertEquals(ROWS + "oops\n", Files.readString(csv), e.getMessage());
    }
}
