package dev.strata.transforms.market;

import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Gives each series its metadata identity: the file name is the metadata's {@code NASDAQ Symbol};
 * the output {@code Symbol} and {@code Security Name} come from the matching metadata row ({@code
 * AGM-A} becomes {@code AGM$A}). A series with no metadata row keeps its rows, its file name as
 * symbol and a null name, and counts in {@link #UNMATCHED_FILES} (its rows in {@link
 * #UNMATCHED_ROWS}); both counters are in this class's namespace.
 *
 * <p>The metadata (thousands of rows) arrives as a {@link PCollection} and is used as a map side
 * input; if it holds one {@code NASDAQ Symbol} twice, the row with the smallest {@code Symbol} wins
 * (a deterministic choice; side-input order is not promised).
 */
public final class JoinSecurityNames
    extends PTransform<PCollection<BarSeries>, PCollection<BarSeries>> {
  /** Counter: series (files) with no metadata row. */
  public static final String UNMATCHED_FILES = "unmatchedFiles";

  /** Counter: rows of the series with no metadata row. */
  public static final String UNMATCHED_ROWS = "unmatchedRows";

  private final PCollection<SymbolMetadata> metadata;

  private JoinSecurityNames(PCollection<SymbolMetadata> metadata) {
    this.metadata = metadata;
  }

  public static JoinSecurityNames from(PCollection<SymbolMetadata> metadata) {
    return new JoinSecurityNames(metadata);
  }

  @Override
  public PCollection<BarSeries> expand(PCollection<BarSeries> series) {
    PCollectionView<Map<String, Iterable<SymbolMetadata>>> byFileName =
        metadata
            .apply(
                "KeyByNasdaqSymbol",
                WithKeys.<String, SymbolMetadata>of(SymbolMetadata::nasdaqSymbol)
                    .withKeyType(TypeDescriptors.strings()))
            .apply("AsMultimap", View.asMultimap());
    return series
        .apply("Join", ParDo.of(new JoinFn(byFileName)).withSideInputs(byFileName))
        .setCoder(BarSeriesCoder.of());
  }

  static final class JoinFn extends DoFn<BarSeries, BarSeries> {
    private final PCollectionView<Map<String, Iterable<SymbolMetadata>>> byFileName;
    private final Counter unmatched = Metrics.counter(JoinSecurityNames.class, UNMATCHED_FILES);
    private final Counter unmatchedRows = Metrics.counter(JoinSecurityNames.class, UNMATCHED_ROWS);

    JoinFn(PCollectionView<Map<String, Iterable<SymbolMetadata>>> byFileName) {
      this.byFileName = byFileName;
    }

    @ProcessElement
    public void process(@Element BarSeries s, OutputReceiver<BarSeries> out, ProcessContext c) {
      Iterable<SymbolMetadata> rows = c.sideInput(byFileName).get(s.symbol());
      if (rows == null || !rows.iterator().hasNext()) {
        unmatched.inc();
        unmatchedRows.inc(s.size());
        out.output(s);
        return;
      }
      SymbolMetadata m = rows.iterator().next();
      for (SymbolMetadata candidate : rows) {
        if (candidate.symbol().compareTo(m.symbol()) < 0) {
          m = candidate;
        }
      }
      out.output(s.withIdentity(m.symbol(), m.securityName()));
    }
  }
}
