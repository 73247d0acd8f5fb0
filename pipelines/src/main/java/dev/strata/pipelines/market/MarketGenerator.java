package dev.strata.pipelines.market;

import dev.strata.pipelines.launcher.Job;
import dev.strata.transforms.market.SymbolMetadata;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Writes a synthetic dataset in the Kaggle "stock-market-dataset" layout, deterministic in seed and
 * scale: {@code symbols_valid_meta.csv} (the real Kaggle metadata file, bundled) and one price file
 * per symbol, named after its {@code NASDAQ Symbol}, in {@code etfs/} or {@code stocks/} by its
 * {@code ETF} flag.
 *
 * <p>At scale 1.0: all 8,049 symbols (2,165 ETFs, 5,884 stocks), ~28 M rows, file lengths 5 to
 * 15,000 rows (mean ~3,450), weekdays ending 2020-04-01, prices written like the real files
 * (float32 values printed as doubles). Injected at {@code oddityRate} per row each: rows with every
 * value empty (their file then writes Volume as a float, as pandas did), a date given twice (empty
 * row, then the real one), High below Low, Adj Close in scientific notation; plus zero-volume days
 * and, in 5 % of files, an early stretch with Open = 0. Each file draws from its own seeded stream,
 * so files are generated in parallel and a scale-0.01 file is the same as at scale 1.0.
 */
public final class MarketGenerator {
  /** The generator's entry on the command line. */
  public static final Job JOB =
      new Job(
          "generate-market",
          List.of(
              "write a deterministic synthetic dataset in the Kaggle layout",
              "--output=DIR [--scale=1.0] [--seed=N] [--oddityRate=0.0005]"),
          GenerateMarketOptions.class,
          false,
          (args, out) -> {
            run(Job.parse("generate-market", args, GenerateMarketOptions.class), out);
            return 0;
          });

  static final String METADATA = "/dev/strata/pipelines/market/symbols_valid_meta.csv";
  static final LocalDate LAST_DAY = LocalDate.of(2020, 4, 1);

  private MarketGenerator() {}

  public static void run(GenerateMarketOptions options, PrintStream log) throws IOException {
    generate(
        Path.of(options.getOutput()),
        options.getScale(),
        options.getSeed(),
        options.getOddityRate(),
        log);
  }

  /** Returns the number of data rows written. */
  public static long generate(Path out, double scale, long seed, double oddityRate, PrintStream log)
      throws IOException {
    if (!(scale > 0 && scale <= 1.0)) {
      throw new IllegalArgumentException("scale must be in (0, 1], but was " + scale);
    }
    if (!(oddityRate >= 0 && oddityRate < 0.1)) {
      throw new IllegalArgumentException("oddityRate must be in [0, 0.1), but was " + oddityRate);
    }
    String metadata;
    try (InputStream in = MarketGenerator.class.getResourceAsStream(METADATA)) {
      metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<List<String>> rows = SymbolMetadata.Csv.parse(metadata);
    List<String> header = rows.get(0);
    int nasdaqCol = header.indexOf("NASDAQ Symbol");
    int etfCol = header.indexOf("ETF");
    List<String[]> picked = new ArrayList<>();
    int total = rows.size() - 1;
    long wanted = Math.max(1, Math.round(total * scale));
    for (int i = 0; i < total; i++) {
      // evenly spread picks keep the ETF/stock mix of the full list
      if ((long) Math.floor((i + 1) * (double) wanted / total)
          > (long) Math.floor(i * (double) wanted / total)) {
        List<String> r = rows.get(i + 1);
        picked.add(
            new String[] {
              r.get(nasdaqCol), "Y".equals(r.get(etfCol)) ? "etfs" : "stocks", Integer.toString(i)
            });
      }
    }
    Files.createDirectories(out.resolve("etfs"));
    Files.createDirectories(out.resolve("stocks"));
    Files.writeString(out.resolve("symbols_valid_meta.csv"), metadata, StandardCharsets.UTF_8);
    long start = System.nanoTime();
    AtomicLong rowCount = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    IntStream.range(0, picked.size())
        .parallel()
        .forEach(
            k -> {
              String[] p = picked.get(k);
              Path file = out.resolve(p[1]).resolve(p[0] + ".csv");
              long[] written =
                  writeFile(file, seed, Integer.parseInt(p[2]), "etfs".equals(p[1]), oddityRate);
              rowCount.addAndGet(written[0]);
              bytes.addAndGet(written[1]);
            });
    log.printf(
        "[generate-market] %,d files, %,d data rows, %,d bytes in %.1f s -> %s%n",
        picked.size(), rowCount.get(), bytes.get(), (System.nanoTime() - start) / 1e9, out);
    return rowCount.get();
  }

  private static long[] writeFile(Path file, long seed, int index, boolean etf, double rate) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
    int length = 5 + (int) (15250 * Math.pow(r.nextDouble(), 3.35));
    LocalDate[] days = tradingDays(length);
    boolean openZeroStretch = r.nextDouble() < 0.05;
    int openZeroUntil = openZeroStretch ? (int) (length * 0.3) : -1;
    double zeroVolumeRate = etf ? 0.05 : rate * 4;
    // decide the empty rows first: a file with any writes its whole Volume column as floats
    byte[] kind =
        new byte[length]; // 0 normal, 1 empty, 2 empty + duplicate real, 3 high<low, 4 sci
    boolean anyEmpty = false;
    for (int i = 0; i < length; i++) {
      double u = r.nextDouble();
      if (u < rate) {
        kind[i] = 1;
      } else if (u < 2 * rate) {
        kind[i] = 2;
      } else if (u < 3 * rate) {
        kind[i] = 3;
      } else if (u < 4 * rate) {
        kind[i] = 4;
      }
      anyEmpty |= kind[i] == 1 || kind[i] == 2;
    }
    double price = Math.exp(1 + 4 * r.nextDouble());
    double baseVolume = Math.exp(8 + 8 * r.nextDouble());
    double adjFactor = 0.3 + 0.7 * r.nextDouble();
    StringBuilder sb = new StringBuilder(length * 110);
    sb.append("Date,Open,High,Low,Close,Adj Close,Volume\n");
    long rows = 0;
    double previousClose = price;
    for (int i = 0; i < length; i++) {
      double close = previousClose * Math.exp(gaussian(r) * 0.02);
      double open = i <= openZeroUntil ? 0 : previousClose * Math.exp(gaussian(r) * 0.005);
      double high = Math.max(open, close) * (1 + Math.abs(gaussian(r)) * 0.01);
      double low = Math.min(open == 0 ? close : open, close) * (1 - Math.abs(gaussian(r)) * 0.01);
      double adj = close * (adjFactor + (1 - adjFactor) * i / length);
      long volume =
          r.nextDouble() < zeroVolumeRate ? 0 : (long) (baseVolume * Math.exp(gaussian(r) * 0.5));
      previousClose = close;
      String date = days[i].toString();
      if (kind[i] == 1 || kind[i] == 2) {
        sb.append(date).append(",,,,,,\n");
        rows++;
        if (kind[i] == 1) {
          continue;
        }
      }
      if (kind[i] == 3) {
        double t = high;
        high = low;
        low = t;
      }
      sb.append(date)
          .append(',')
          .append(f32(open))
          .append(',')
          .append(f32(high))
          .append(',')
          .append(f32(low))
          .append(',')
          .append(f32(close))
          .append(',')
          .append(kind[i] == 4 ? pythonScientific(adj * 1e-7) : f32(adj))
          .append(',')
          .append(volume);
      if (anyEmpty) {
        sb.append(".0");
      }
      sb.append('\n');
      rows++;
    }
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      w.append(sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new long[] {rows, sb.length()};
  }

  private static LocalDate[] tradingDays(int count) {
    LocalDate[] days = new LocalDate[count];
    LocalDate d = LAST_DAY;
    for (int i = count - 1; i >= 0; i--) {
      while (d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY) {
        d = d.minusDays(1);
      }
      days[i] = d;
      d = d.minusDays(1);
    }
    return days;
  }

  private static double gaussian(SplittableRandom r) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17
    double u = 1 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A float32 value printed as a double, as pandas wrote the real files (38.23500061035156). */
  private static String f32(double x) {
    return Double.toString((float) x);
  }

  /** Python's repr for small numbers: 6.281418905018654e-07. */
  private static String pythonScientific(double x) {
    String s = Double.toString((double) (float) x); // e.g. 6.2814189E-7
    int e = s.indexOf('E');
    if (e < 0) {
      return s;
    }
    int exp = Integer.parseInt(s.substring(e + 1));
    return s.substring(0, e) + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
  }
}
