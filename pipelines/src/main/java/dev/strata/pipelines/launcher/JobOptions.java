package dev.strata.pipelines.launcher;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * The options every job has: where it reads and where it writes. A job's own options interface
 * extends this one or {@link StagedJobOptions} (and may describe {@code --input} more precisely);
 * runner flags come from the command line or {@code runner-configs/}.
 */
public interface JobOptions extends PipelineOptions {
  @Description("The job's input: a directory, a file or a glob, local or gs://.")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description(
      "Output directory (local or gs://): each stage writes <output>/<stage>/ with a"
          + " _manifest.json, rejects go to <output>/_rejected/<stage>/. Default: out/<job>.")
  String getOutput();

  void setOutput(String value);
}
