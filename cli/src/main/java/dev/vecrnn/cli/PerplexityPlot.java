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
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("epoch").yAxisTitle("perplexity").build();
        chart.getStyler().setLegendVisible(false);
        double[] x = new double[rows.size()], y = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            x[i] = rows.get(i)[0];
            y[i] = rows.get(i)[1];
        }
        chart.addSeries("train", x, y).setMarker(SeriesMarkers.NONE);
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
}
