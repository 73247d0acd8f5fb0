package dev.strata.pipelines.warehouse;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/** Options of {@code strata generate-warehouse}: the Data Wow generator's files. */
public interface GenerateWarehouseOptions extends PipelineOptions {
  @Description("Directory to write 'YYYY-MM-DD HH:MM:SS.parquet' files into.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description(
      "Number of files, one per minute from 2023-01-01 00:00 (43,201 = up to 2023-01-31 00:00).")
  @Default.Integer(43_201)
  int getFiles();

  void setFiles(int value);

  @Description("Rows per file.")
  @Default.Integer(1_914)
  int getRows();

  void setRows(int value);

  @Description("Random seed; the same seed gives identical rows.")
  @Default.Long(20230101L)
  long getSeed();

  void setSeed(long value);
}
