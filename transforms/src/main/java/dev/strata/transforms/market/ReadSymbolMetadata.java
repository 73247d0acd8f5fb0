package dev.strata.transforms.market;

import java.io.IOException;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads {@code symbols_valid_meta.csv} (or any file matching the pattern) into {@link
 * SymbolMetadata} rows. A file that cannot be parsed as CSV with a {@code Symbol} column fails the
 * pipeline: without it every symbol would be wrong.
 */
public final class ReadSymbolMetadata extends PTransform<PBegin, PCollection<SymbolMetadata>> {
  private final String filepattern;

  private ReadSymbolMetadata(String filepattern) {
    this.filepattern = filepattern;
  }

  public static ReadSymbolMetadata from(String filepattern) {
    return new ReadSymbolMetadata(filepattern);
  }

  @Override
  public PCollection<SymbolMetadata> expand(PBegin begin) {
    return begin
        .apply("MatchMetadata", FileIO.match().filepattern(filepattern))
        .apply("OpenMetadata", FileIO.readMatches())
        .apply("ParseMetadata", ParDo.of(new ParseFn()))
        .setCoder(SymbolMetadata.MetadataCoder.of());
  }

  static final class ParseFn extends DoFn<FileIO.ReadableFile, SymbolMetadata> {
    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<SymbolMetadata> out)
        throws IOException {
      for (SymbolMetadata m : SymbolMetadata.parseCsv(file.readFullyAsUTF8String())) {
        out.output(m);
      }
    }
  }
}
