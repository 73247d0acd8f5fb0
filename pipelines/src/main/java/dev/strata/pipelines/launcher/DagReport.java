package dev.strata.pipelines.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.transforms.common.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * Draws a job's stage DAG with the row counts and durations of each stage's last run, from the
 * manifests on disk: {@code <output>/_dag.dot} (Graphviz) and {@code <output>/_dag.svg} (drawn
 * here, so no Graphviz is needed to look at it). A stage that ran in this invocation is green, one
 * skipped as unchanged grey, one that failed red, one never run dashed.
 */
public final class DagReport {
  /** The picture, drawn here. */
  public static final String SVG = "_dag.svg";

  /** The same graph as Graphviz source. */
  public static final String DOT = "_dag.dot";

  /** A box in the picture: a title and a few lines of facts. */
  record Node(String id, String title, List<String> lines, String state) {}

  /** An arrow between two boxes, labelled with the data that flows along it. */
  record Edge(String from, String to, String label) {}

  private final List<Node> nodes = new ArrayList<>();
  private final List<Edge> edges = new ArrayList<>();

  public void node(String id, String title, List<String> lines, String state) {
    nodes.add(new Node(id, title, lines, state));
  }

  public void edge(String from, String to, String label) {
    edges.add(new Edge(from, to, label));
  }

  /** The facts a stage's manifest holds, as lines for its box. */
  public static List<String> facts(JsonNode manifest, String state, String rejectedWord) {
    List<String> lines = new ArrayList<>();
    if (manifest == null || manifest.isMissingNode()) {
      lines.add("never run");
      return lines;
    }
    JsonNode rows = manifest.path("rows");
    lines.add(String.format("rows in  %,d", rows.path("in").asLong()));
    lines.add(
        String.format(
            "out %,d · %s %,d",
            rows.path("out").asLong(), rejectedWord, rows.path("rejected").asLong()));
    lines.add(
        String.format(
            "%.1f s on %s",
            manifest.path("duration_s").asDouble(), manifest.path("runner").asText()));
    JsonNode run = manifest.path("run");
    if (run.has("kind")) {
      lines.add(kind(run));
    }
    if (manifest.path("rows_total").has("out")) {
      lines.add(String.format("holds %,d rows", manifest.path("rows_total").path("out").asLong()));
    }
    lines.add(
        switch (state) {
          case "ran" -> "ran now";
          case "skipped" -> "skipped: unchanged";
          case "failed" -> "FAILED now (last good run shown)";
          default -> "not selected now";
        });
    return lines;
  }

  /**
   * The kind of run a manifest's {@code run} says, in a few words: {@code full: <reason>} or {@code
   * incremental: 3 grown, 1 new}, from its counts (fields ending in {@code _grown}, {@code _new},
   * {@code _recomputed}, {@code _extended}).
   */
  static String kind(JsonNode run) {
    String kind = run.path("kind").asText();
    if (!"incremental".equals(kind)) {
      String why = run.path("reason").asText("");
      return why.isEmpty()
          ? kind
          : kind + ": " + (why.length() > 40 ? why.substring(0, 40) + "…" : why);
    }
    List<String> parts = new ArrayList<>();
    run.fields()
        .forEachRemaining(
            f -> {
              String k = f.getKey();
              int u = k.lastIndexOf('_');
              if (u > 0 && f.getValue().isNumber() && !k.endsWith("_unchanged")) {
                parts.add(f.getValue().asLong() + " " + k.substring(u + 1));
              }
            });
    return "incremental: " + String.join(", ", parts);
  }

  public void write(ResourceId outputDir) throws IOException {
    Store.write(Store.file(outputDir, DOT), dot().getBytes(StandardCharsets.UTF_8));
    Store.write(Store.file(outputDir, SVG), svg().getBytes(StandardCharsets.UTF_8));
  }

  String dot() {
    StringBuilder b = new StringBuilder("digraph strata {\n  rankdir=LR;\n");
    b.append("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n");
    for (Node n : nodes) {
      String label = n.title + "\\n" + String.join("\\n", n.lines);
      b.append(
          String.format(
              "  \"%s\" [label=\"%s\", fillcolor=\"%s\"%s];%n",
              n.id,
              label.replace("\"", "\\\""),
              fill(n.state),
              "never".equals(n.state) ? ", style=\"rounded,dashed\"" : ""));
    }
    for (Edge e : edges) {
      b.append(
          String.format(
              "  \"%s\" -> \"%s\" [label=\"%s\"];%n", e.from, e.to, e.label.replace("\"", "\\\"")));
    }
    return b.append("}\n").toString();
  }

  private static String fill(String state) {
    return switch (state) {
      case "ran" -> "#d8f0d2";
      case "skipped" -> "#e8e8e8";
      case "failed" -> "#f6c9cc";
      case "input" -> "#dde8f6";
      default -> "#ffffff";
    };
  }

  private static final int W = 280;
  private static final int H = 128;
  private static final int GAP = 90;
  private static final int MARGIN = 20;

  String svg() {
    int width = MARGIN * 2 + nodes.size() * W + (nodes.size() - 1) * GAP;
    int height = MARGIN * 2 + H + 30;
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\">%n",
            width, height, width, height));
    b.append(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\""
            + " markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10"
            + " z\" fill=\"#444\"/></marker></defs>\n");
    b.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      int x = MARGIN + i * (W + GAP);
      int y = MARGIN + 20;
      b.append(
          String.format(
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"10\" fill=\"%s\""
                  + " stroke=\"#555\"%s/>%n",
              x,
              y,
              W,
              H,
              fill(n.state),
              "never".equals(n.state) ? " stroke-dasharray=\"6,4\"" : ""));
      b.append(
          String.format(
              "<text x=\"%d\" y=\"%d\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
              x + 12, y + 24, xml(n.title)));
      for (int k = 0; k < n.lines.size(); k++) {
        b.append(
            String.format(
                "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>%n",
                x + 12, y + 46 + 18 * k, xml(n.lines.get(k))));
      }
    }
    for (Edge e : edges) {
      int from = indexOf(e.from);
      int to = indexOf(e.to);
      int x1 = MARGIN + from * (W + GAP) + W;
      int x2 = MARGIN + to * (W + GAP);
      int y = MARGIN + 20 + H / 2;
      b.append(
          String.format(
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\" stroke-width=\"2\""
                  + " marker-end=\"url(#arrow)\"/>%n",
              x1, y, x2 - 2, y));
      b.append(
          String.format(
              "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
              (x1 + x2) / 2, y - 8, xml(e.label)));
    }
    b.append(
        String.format(
            "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#666\">green: ran now · grey: skipped"
                + " (inputs and options unchanged) · red: failed · dashed: never run</text>%n",
            MARGIN, height - 8));
    return b.append("</svg>\n").toString();
  }

  private int indexOf(String id) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).id.equals(id)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no node " + id);
  }

  private static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
