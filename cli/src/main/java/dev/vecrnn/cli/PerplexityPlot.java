package dev.vecrnn.cli;

import dev.vecrnn.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** {@code --plot FILE.png|.svg}: perplexity against epoch, as d2l's {@code Animator} draws it. */
final class PerplexityPlot {
    private PerplexityPlot() {}

    static boolean supported(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".svg");
    }

    static void write(Path file, List<double[]> rows, String title) throws IOException {
        write(file, rows, List.of(), title);
    }

    /** The training curve and, when there are any, the validation points ({@code (epoch, perplexity)} each). */
    static void write(Path file, List<double[]> rows, List<double[]> valRows, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("epoch").yAxisTitle("perplexity").build();
        chart.getStyler().setLegendVisible(!valRows.isEmpty());
        if (!rows.isEmpty()) series(chart, "train", rows);
        if (!valRows.isEmpty()) series(chart, "validation", valRows);
        byte[] bytes;
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg")) {
            Path tmp = Files.createTempFile("vecrnn-plot", "");
            try {
                VectorGraphicsEncoder.saveVectorGraphic(chart, tmp.toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
                Path svg = Path.of(tmp + ".svg");
                bytes = Files.readAllBytes(svg);
                Files.deleteIfExists(svg);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } else {
            BufferedImage image = BitmapEncoder.getBufferedImage(chart);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            bytes = out.toByteArray();
        }
        AtomicFiles.write(file, bytes);
    }

    private static void series(XYChart chart, String name, List<double[]> rows) {
        double[] x = new double[rows.size()], y = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            x[i] = rows.get(i)[0];
            y[i] = rows.get(i)[1];
        }
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
    }
}
