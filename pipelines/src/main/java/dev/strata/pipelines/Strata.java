package dev.strata.pipelines;

import dev.strata.pipelines.market.MarketGenerator;
import dev.strata.pipelines.options.GenerateMarketOptions;
import dev.strata.pipelines.options.GenerateSensorsOptions;
import dev.strata.pipelines.options.GenerateWarehouseOptions;
import dev.strata.pipelines.options.MarketOptions;
import dev.strata.pipelines.options.SensorsOptions;
import dev.strata.pipelines.options.WarehouseOptions;
import dev.strata.pipelines.robot.SensorGenerator;
import dev.strata.pipelines.warehouse.WarehouseGenerator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The command line of {@code strata.jar}: {@code java -jar strata.jar <job> [--option=value ...]
 * [@runner-configs/<runner>.args]}. Jobs: {@code market}, {@code generate-market}; {@code --help}
 * lists them, {@code <job> --help} lists a job's options.
 */
public final class Strata {
  private Strata() {}

  public static void main(String[] args) throws Exception {
    int code;
    try {
      code = run(args, System.out, System.err);
    } catch (KaggleDownload.Failed e) {
      // A download that cannot succeed says why in one line; a stack trace would add nothing.
      System.err.println("[download] FAILED: " + e.getMessage());
      code = 1;
    }
    if (code != 0) {
      System.exit(code);
    }
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0 || isHelp(args[0])) {
      usage(out);
      return args.length == 0 ? 2 : 0;
    }
    String job = args[0];
    String[] rest = RunnerArgs.expand(Arrays.copyOfRange(args, 1, args.length));
    boolean help = Arrays.stream(rest).anyMatch(Strata::isHelp);
    switch (job) {
      case "market":
        if (help) {
          PipelineOptionsFactory.printHelp(out, MarketOptions.class);
          return 0;
        }
        PipelineOptionsFactory.register(MarketOptions.class);
        MarketPipeline.run(
            PipelineOptionsFactory.fromArgs(rest).withValidation().as(MarketOptions.class), out);
        return 0;
      case "sensors":
        if (help) {
          PipelineOptionsFactory.printHelp(out, SensorsOptions.class);
          return 0;
        }
        PipelineOptionsFactory.register(SensorsOptions.class);
        SensorsPipeline.run(
            PipelineOptionsFactory.fromArgs(rest).withValidation().as(SensorsOptions.class), out);
        return 0;
      case "generate-sensors":
        if (help) {
          PipelineOptionsFactory.printHelp(out, GenerateSensorsOptions.class);
          return 0;
        }
        SensorGenerator.run(
            PipelineOptionsFactory.fromArgs(rest).withValidation().as(GenerateSensorsOptions.class),
            out);
        return 0;
      case "warehouse":
        if (help) {
          PipelineOptionsFactory.printHelp(out, WarehouseOptions.class);
          return 0;
        }
        PipelineOptionsFactory.register(WarehouseOptions.class);
        if (rest.length > 0 && rest[0].equals("verify")) {
          return WarehousePipeline.verify(
              PipelineOptionsFactory.fromArgs(Arrays.copyOfRange(rest, 1, rest.length))
                  .withValidation()
                  .as(WarehouseOptions.class),
              out);
        }
        WarehousePipeline.run(
            PipelineOptionsFactory.fromArgs(rest).withValidation().as(WarehouseOptions.class), out);
        return 0;
      case "generate-warehouse":
        if (help) {
          PipelineOptionsFactory.printHelp(out, GenerateWarehouseOptions.class);
          return 0;
        }
        WarehouseGenerator.run(
            PipelineOptionsFactory.fromArgs(rest)
                .withValidation()
                .as(GenerateWarehouseOptions.class),
            out);
        return 0;
      case "generate-market":
        if (help) {
          PipelineOptionsFactory.printHelp(out, GenerateMarketOptions.class);
          return 0;
        }
        MarketGenerator.run(
            PipelineOptionsFactory.fromArgs(rest).withValidation().as(GenerateMarketOptions.class),
            out);
        return 0;
      default:
        err.println("unknown job '" + job + "'");
        usage(err);
        return 2;
    }
  }

  private static boolean isHelp(String arg) {
    return List.of("--help", "-h", "help").contains(arg);
  }

  private static void usage(PrintStream out) {
    out.println("strata " + version() + ": portable data pipelines on Apache Beam");
    out.println();
    out.println(
        "usage: java -jar pipelines/target/strata.jar <job> [--option=value ...]"
            + " [@runner-configs/<runner>.args]");
    out.println();
    out.println("jobs:");
    out.println(
        "  market           ingest Kaggle stock CSVs to Parquet (stage ingest), add 30-day");
    out.println("                   vol_moving_avg / adj_close_rolling_med (stage features),");
    out.println("                   train the DJL volume model (stage train: model/model.bin)");
    out.println(
        "                   --input=DIR --output=DIR [--stages=ingest,features,train] [--force]");
    out.println(
        "                   [--window=30|30d] [--epochs=10] [--seed=42] [--runner=FlinkRunner]");
    out.println(
        "  sensors          clean robot readings (stage clean), align each run on a time grid");
    out.println("                   with kinematics and statistics (stage runs)");
    out.println(
        "                   --input=FILE_OR_GLOB --output=DIR [--gridStep=10ms] [--maxGap=auto]");
    out.println(
        "  warehouse        load a directory of Parquet files into PostgreSQL, once per file");
    out.println(
        "                   --input=DIR --output=DIR [--jdbcUrl=...] [--table=dwh.data_sample]");
    out.println("  generate-market  write a deterministic synthetic dataset in the Kaggle layout");
    out.println("                   --output=DIR [--scale=1.0] [--seed=N] [--oddityRate=0.0005]");
    out.println("  generate-sensors write synthetic robot readings shaped like the real file");
    out.println("                   --output=DIR [--scale=1.0] [--seed=N]");
    out.println("  generate-warehouse write the Data Wow generator's per-minute Parquet files");
    out.println("                   --output=DIR [--files=43201] [--rows=1914] [--seed=N]");
    out.println();
    out.println(
        "`<job> --help` lists every option of a job. Runner flags live in runner-configs/.");
  }

  /** Where DJL unpacks PyTorch unless {@code DJL_CACHE_DIR} is set: beside the jar. */
  public static Path defaultDjlCache() {
    return dev.strata.model.DjlEnvironment.cacheBesideJarOf(Strata.class);
  }

  /** The project version baked into the jar, or "dev" when run from classes. */
  public static String version() {
    String v = Strata.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
