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
 * Reads back the clean readings that {@link WriteSensorsParquet#clean} wrote ({@link
 * SensorsParquet#CLEAN}, spike flags in {@code quality}) for {@link AlignRuns}. The bounds were
 * checked when the readings were cleaned, so none are applied again ({@link
 * ReadingRules#unbounded()}); the rows go through the same reader as {@link ParseReadingFiles}, so
 * the elements are exactly those that transform would give for the same files.
 *
 * <p>Consumes bounded {@link FileIO.ReadableFile}s. Produces on {@link #READINGS} one {@link
 * SignalSeries} per (file, run, signal) in file order (pieces of at most {@link
 * ReadingFilesFn#MAX_BUFFERED} readings per file), and on {@link #FAILURES} any row that cannot be
 * read as a reading (with file, row number and reason; step {@code ParseReadingFiles}, as before
 * this transform had a name of its own). Every row goes to exactly one. Counters (namespace: this
 * class): {@link #FILES}, {@link #ROWS_READ}, {@link #ROWS_REJECTED}. A file that cannot be read at
 * all fails the bundle.
 */
public final class ReadCleanReadings
    extends PTransform<PCollection<FileIO.ReadableFile>, PCollectionTuple> {
  public static final TupleTag<SignalSeries> READINGS = new TupleTag<SignalSeries>() {};
  public static final TupleTag<Failure> FAILURES = new TupleTag<Failure>() {};

  /** Counter: files read. */
  public static final String FILES = "files";

  /** Counter: rows read as readings, on {@link #READINGS}. */
  public static final String ROWS_READ = "rowsRead";

  /** Counter: rows that could not be read, on {@link #FAILURES}. */
  public static final String ROWS_REJECTED = "rowsRejected";

  private ReadCleanReadings() {}

  public static ReadCleanReadings create() {
    return new ReadCleanReadings();
  }

  @Override
  public PCollectionTuple expand(PCollection<FileIO.ReadableFile> files) {
    PCollectionTuple out =
        files.apply(
            "ReadFiles",
            ParDo.of(
                    new ReadingFilesFn(
                        ReadingRules.unbounded(),
                        READINGS,
                        FAILURES,
                        Metrics.counter(ReadCleanReadings.class, FILES),
                        null,
                        Metrics.counter(ReadCleanReadings.class, ROWS_READ),
                        Metrics.counter(ReadCleanReadings.class, ROWS_REJECTED)))
                .withOutputTags(READINGS, TupleTagList.of(FAILURES)));
    out.get(READINGS).setCoder(SignalSeriesCoder.of());
    return out;
  }
}
