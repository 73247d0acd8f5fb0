package dev.strata.api;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The picture of a run a process engineer looks at first: on top each robot's tool path seen from
 * above ({@code x} against {@code y}, mm), below both robots' force magnitudes over time (N). At
 * most {@value #MAX_POINTS} points per line (every k-th grid row).
 */
final class RunPlot {
  static final int MAX_POINTS = 4000;

  private RunPlot() {}

  /**
   * Rows: seconds since the run's first row, x_1, y_1, x_2, y_2, f1, f2 (NaN = null); {@code
   * gridRows} is the run's row count, of which {@code rows} may be a sample.
   */
  static byte[] png(String runUuid, List<double[]> rows, long gridRows) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int step = Math.max(1, rows.size() / MAX_POINTS);
    XYSeries path1 = new XYSeries("robot 1", false);
    XYSeries path2 = new XYSeries("robot 2", false);
    XYSeries f1 = new XYSeries("robot 1 |F|");
    XYSeries f2 = new XYSeries("robot 2 |F|");
    for (int i = 0; i < rows.size(); i += step) {
      double[] r = rows.get(i);
      add(path1, r[1], r[2]);
      add(path2, r[3], r[4]);
      add(f1, r[0], r[5]);
      add(f2, r[0], r[6]);
    }
    JFreeChart paths =
        chart(
            "Tool paths seen from above",
            "x (mm)",
            "y (mm)",
            collection(path1, path2),
            path1.isEmpty() && path2.isEmpty() ? "no encoder readings in this run" : null);
    JFreeChart forces =
        chart(
            "Force magnitude",
            "time since start (s)",
            "|F| (N)",
            collection(f1, f2),
            f1.isEmpty() && f2.isEmpty()
                ? "no run-long fx, fy and fz for either robot (magnitudes need all three)"
                : null);
    int w = 1100;
    int h = 1000;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(g.getFont().deriveFont(18f));
    g.drawString("run " + runUuid + " (" + gridRows + " grid rows)", 20, 28);
    paths.draw(g, new Rectangle2D.Double(0, 40, w, 560));
    forces.draw(g, new Rectangle2D.Double(0, 600, w, 400));
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private static void add(XYSeries s, double x, double y) {
    if (!Double.isNaN(x) && !Double.isNaN(y)) {
      s.add(x, y, false);
    }
  }

  private static XYSeriesCollection collection(XYSeries... s) {
    XYSeriesCollection c = new XYSeriesCollection();
    for (XYSeries x : s) {
      c.addSeries(x);
    }
    return c;
  }

  private static JFreeChart chart(
      String title, String x, String y, XYSeriesCollection data, String note) {
    JFreeChart c =
        ChartFactory.createXYLineChart(
            title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
    if (note != null) {
      c.addSubtitle(new TextTitle(note));
    }
    XYPlot p = c.getXYPlot();
    p.setBackgroundPaint(Color.WHITE);
    p.setDomainGridlinePaint(Color.LIGHT_GRAY);
    p.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    r.setSeriesPaint(0, new Color(0x1f77b4));
    r.setSeriesPaint(1, new Color(0xd62728));
    r.setSeriesStroke(0, new BasicStroke(1.2f));
    r.setSeriesStroke(1, new BasicStroke(1.2f));
    p.setRenderer(r);
    ((org.jfree.chart.axis.NumberAxis) p.getRangeAxis()).setAutoRangeIncludesZero(false);
    ((org.jfree.chart.axis.NumberAxis) p.getDomainAxis()).setAutoRangeIncludesZero(false);
    return c;
  }
}
