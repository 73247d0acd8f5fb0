package dev.strata.transforms.sensors;

import dev.strata.transforms.common.Failure;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads long-format robot readings from CSV or Parquet files (Parquet if the file starts with
 * {@code PAR1}) and validates every row with {@link ReadingParser}.
 *
 * <p>Consumes bounded {@link FileIO.ReadableFile}s. Produces on {@link #READINGS} one {@link
 * SignalSeries} per (file, run, signal) in file order, and on {@link #FAILURES} every rejected row
 * with file, line (CSV line, or Parquet row number) and reason. Every row goes to exactly one.
 * Counters (namespace: this class): {@link #FILES}, {@link #ROWS_READ}, {@link #ROWS_ACCEPTED},
 * {@link #ROWS_REJECTED}. A file that cannot be read fails the bundle.
 */
public final class ParseReadingFiles
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollectionTuple> {
  public static final TupleTag<SignalSeries> READINGS = new TupleTag<SignalSeries>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};

  /** Counter: files read. */
  public static final String FILES = "files";

  /** Counter: data rows read (accepted + rejected). */
  public static final String ROWS_READ = "rowsRead";

  /** Counter: rows accepted as readings. */
  public static final String ROWS_ACCEPTED = "rowsAccepted";

  /** Counter: rows rejected, on {@link #FAILURES}. */
  public static final String ROWS_REJECTED = "rowsRejected";

  private final ReadingRules rules;

  private ParseReadingFiles(ReadingRules rules) {
    this.rules = rules;
  }

  public static ParseReadingFiles with(ReadingRules rules) {
    return new ParseReadingFiles(rules);
  }

  @Override
  public PCollectionTuple expand(PCollection<FileIO.ReadableFile> files) {
    PCollectionTuple out =
        files.apply(
            "ParseFiles",
            ParDo.of(
                    new ReadingFilesFn(
                        rules,
                        READINGS,
                        FAILURES,
                        Metrics.counter(ParseReadingFiles.class, FILES),
                        Metrics.counter(ParseReadingFiles.class, ROWS_READ),
                        Metrics.counter(ParseReadingFiles.class, ROWS_ACCEPTED),
                        Metrics.counter(ParseReadingFiles.class, ROWS_REJECTED)))
                .withOutputTags(READINGS, TupleTagList.of(FAILURES)));
    out.get(READINGS).setCoder(SignalSeriesCoder.of());
    return out;
  }
}
