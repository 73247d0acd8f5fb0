package dev.strata.model.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws the training and validation loss per epoch as a PNG, marking the epoch kept. */
final class LossChart {
  private LossChart() {}

  static void write(Path png, List<TrainVolumeModel.Epoch> epochs, int bestEpoch, String subtitle)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYSeries train = new XYSeries("training loss");
    XYSeries validation = new XYSeries("validation loss");
    for (TrainVolumeModel.Epoch e : epochs) {
      train.add(e.epoch(), e.trainLoss());
      validation.add(e.epoch(), e.validationLoss());
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(train);
    data.addSeries(validation);
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Volume model: L1 loss on standardised ln(1 + Volume)",
            "epoch",
            "mean absolute error (standardised log scale)",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle));
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    renderer.setSeriesPaint(0, new Color(0x1f77b4));
    renderer.setSeriesPaint(1, new Color(0xd62728));
    renderer.setSeriesStroke(0, new BasicStroke(2f));
    renderer.setSeriesStroke(1, new BasicStroke(2f));
    plot.setRenderer(renderer);
    ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    ((org.jfree.chart.axis.NumberAxis) plot.getDomainAxis())
        .setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createIntegerTickUnits());
    ValueMarker kept = new ValueMarker(bestEpoch);
    kept.setPaint(Color.GRAY);
    kept.setStroke(
        new BasicStroke(
            1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {4f}, 0f));
    kept.setLabel("kept: epoch " + bestEpoch);
    plot.addDomainMarker(kept);
    ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 540);
  }
}
