package dev.vecrnn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vecrnn.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use from Java" example, compiled and run as it stands there: an API change that breaks it,
 * or an edit that breaks it, fails the build.
 */
class ReadmeExampleTest {
    private static final Pattern EPOCH = Pattern.compile("epoch (\\d+) perplexity ([0-9.]+)");
    private static final Pattern LOSS = Pattern.compile("([0-9.]+) bits/token, perplexity ([0-9.]+)");

    @Test
    void theExampleCompilesRunsAndTrains(@TempDir Path tmp) throws Exception {
        String source = javaBlock(readme(), "## Use from Java");
        Matcher name = Pattern.compile("public class (\\w+)").matcher(source);
        assertTrue(name.find(), "the example declares no public class:\n" + source);
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path file = tmp.resolve(name.group(1) + ".java");
        Files.writeString(file, source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "the tests need a JDK, not a JRE");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int code = javac.run(null, diagnostics, diagnostics, "-classpath", System.getProperty("java.class.path"), "-d", classes.toString(),
                "-encoding", "UTF-8", file.toString());
        assertEquals(0, code, "the README's example does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));

        List<String> lines = run(classes, name.group(1), Fixtures.timeMachine().toString());
        int epochs = 0;
        double first = 0, last = 0;
        while (epochs < lines.size() && EPOCH.matcher(lines.get(epochs)).matches()) {
            Matcher m = EPOCH.matcher(lines.get(epochs));
            assertTrue(m.matches());
            assertEquals(epochs + 1, Integer.parseInt(m.group(1)), lines.toString());
            last = Double.parseDouble(m.group(2));
            if (epochs == 0) first = last;
            epochs++;
        }
        assertTrue(epochs >= 2 && last < first, "the listener saw no training progress: " + lines);
        assertEquals(epochs + 3, lines.size(), lines.toString());
        for (String generated : lines.subList(epochs, epochs + 2)) {
            assertTrue(generated.startsWith("time traveller") && generated.length() > "time traveller".length(), generated);
        }
        Matcher loss = LOSS.matcher(lines.get(epochs + 2));
        assertTrue(loss.matches(), lines.get(epochs + 2));
        double bits = Double.parseDouble(loss.group(1));
        assertTrue(bits > 0 && bits < Math.log(28) / Math.log(2), "no better than uniform over 28 tokens: " + bits);
        assertEquals(Math.pow(2, bits), Double.parseDouble(loss.group(2)), 0.02 * Math.pow(2, bits));
    }

    /** Runs {@code main} of the compiled class with System.out captured. */
    private static List<String> run(Path classes, String className, String... args) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeExampleTest.class.getClassLoader())) {
            Method main = loader.loadClass(className).getMethod("main", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) args);
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** The first ```java block after {@code heading}. */
    static String javaBlock(String markdown, String heading) {
        int at = markdown.indexOf("\n" + heading + "\n");
        assertTrue(at >= 0, "the README has no section " + heading);
        int start = markdown.indexOf("\n```java\n", at);
        int next = markdown.indexOf("\n## ", at + 1);
        assertTrue(start >= 0 && (next < 0 || start < next), "the section " + heading + " has no ```java block");
        int end = markdown.indexOf("\n```\n", start + 1);
        return markdown.substring(start + "\n```java\n".length(), end + 1);
    }

    private static String readme() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path readme = dir.resolve("README.md");
            if (Files.isRegularFile(readme) && Files.isDirectory(dir.resolve("engine"))) return Files.readString(readme);
        }
        throw new IllegalStateException("cannot find the repository's README.md above " + Path.of("").toAbsolutePath());
    }
}
