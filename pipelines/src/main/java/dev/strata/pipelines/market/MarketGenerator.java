package dev.strata.pipelines.market;

import dev.strata.pipelines.launcher.Job;
import dev.strata.transforms.market.SymbolMetadata;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;

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
 *
 * <p>With {@code --extendDays=N} it writes no new dataset but appends N trading days to every bar
 * file already in the folder, as a later snapshot would ({@link #extend}).
 */
public final class MarketGenerator {
  /** The generator's entry on the command line. */
  public static final Job JOB =
      new Job(
          "generate-market",
          List.of(
              "write a deterministic synthetic dataset in the Kaggle layout",
              "--output=DIR [--scale=1.0] [--seed=N] [--oddityRate=0.0005]",
              "--output=DIR --extendDays=N: append N trading days to every file of DIR"),
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
    if (options.getExtendDays() != 0) {
      extend(
          Path.of(options.getOutput()),
          options.getExtendDays(),
          options.getSeed(),
          options.getOddityRate(),
          log);
      return;
    }
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

  static final String HEADER = "Date,Open,High,Low,Close,Adj Close,Volume";

  /** How many of a file's last complete rows set the volume level of the days appended. */
  private static final int VOLUME_WINDOW = 30;

  /**
   * Appends {@code days} trading days (the weekdays after each file's last date) to every bar file
   * in {@code dir}'s {@code etfs/} and {@code stocks/}, in parallel, as a later snapshot of the
   * dataset would hold them: whole lines after the last one, prices moving on from the last
   * complete row's Close (Adj Close = Close, as for recent days), integer volumes around the median
   * of the last 30 rows' non-zero volumes, zero-volume days at the generator's rate and no other
   * oddity. Each day's row draws from its own stream, seeded by {@code seed}, the file's path under
   * {@code dir} and the date, and depends on the file only through what it reads back from it, so
   * extending by 1 twice gives the same bytes as extending by 2 once. Each file's modification time
   * is set to now (later than it was). Returns the number of rows appended.
   */
  public static long extend(Path dir, int days, long seed, double oddityRate, PrintStream log)
      throws IOException {
    if (days < 1 || days > 10_000) {
      throw new IllegalArgumentException(
          "extendDays must be 0 (write a dataset) or 1 to 10000, but was " + days);
    }
    if (!(oddityRate >= 0 && oddityRate < 0.1)) {
      throw new IllegalArgumentException("oddityRate must be in [0, 0.1), but was " + oddityRate);
    }
    List<Path> files = new ArrayList<>();
    for (String folder : List.of("etfs", "stocks")) {
      Path d = dir.resolve(folder);
      if (Files.isDirectory(d)) {
        try (Stream<Path> s = Files.list(d)) {
          s.filter(p -> p.getFileName().toString().endsWith(".csv"))
              .filter(Files::isRegularFile)
              .sorted()
              .forEach(files::add);
        }
      }
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "--output="
              + dir
              + " holds no dataset to extend (no etfs/*.csv or stocks/*.csv): write one first with"
              + " generate-market --output="
              + dir
              + ", then run --extendDays=N on it");
    }
    long start = System.nanoTime();
    AtomicLong rowCount = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    LocalDate[] range = {LocalDate.MAX, LocalDate.MIN};
    try {
      // every file is read and checked before any is appended to: a file not in the layout leaves
      // the dataset as it was
      List<Tail> tails = files.parallelStream().map(MarketGenerator::readTail).toList();
      IntStream.range(0, files.size())
          .parallel()
          .forEach(
              k -> {
                Path file = files.get(k);
                String name = dir.relativize(file).toString().replace('\\', '/');
                boolean etf = name.startsWith("etfs/");
                Extended e =
                    extendFile(file, tails.get(k), name, days, seed, etf ? 0.05 : oddityRate * 4);
                rowCount.addAndGet(days);
                bytes.addAndGet(e.bytes);
                synchronized (range) {
                  range[0] = e.last.isBefore(range[0]) ? e.last : range[0];
                  range[1] = e.last.isAfter(range[1]) ? e.last : range[1];
                }
              });
    } catch (RuntimeException e) {
      // a worker's exception comes back wrapped in another of its class: say the first one's words
      Throwable t = e;
      while (t.getCause() != null && t.getCause().getClass() == t.getClass()) {
        t = t.getCause();
      }
      if (t instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      throw (RuntimeException) t;
    }
    log.printf(
        "[generate-market] appended %d trading day%s to %,d files: %,d rows, %,d bytes in %.1f s"
            + " (last date now %s%s) -> %s%n",
        days,
        days == 1 ? "" : "s",
        files.size(),
        rowCount.get(),
        bytes.get(),
        (System.nanoTime() - start) / 1e9,
        range[0],
        range[0].equals(range[1]) ? "" : " to " + range[1],
        dir);
    return rowCount.get();
  }

  private record Extended(long bytes, LocalDate last) {}

  /** What the days appended to a file continue from: read back from its last lines. */
  private static final class Tail {
    long size; // of the file when it was read
    LocalDate lastDay;
    double close = Double.NaN; // the last complete row's, as the float it was printed from
    final ArrayDeque<Long> volumes = new ArrayDeque<>(); // the last complete rows', oldest first

    void add(double close, long volume) {
      this.close = close;
      volumes.addLast(volume);
      if (volumes.size() > VOLUME_WINDOW) {
        volumes.removeFirst();
      }
    }

    /** The median of the window's non-zero volumes (the upper one of two); 0 if there are none. */
    long volumeLevel() {
      long[] v = volumes.stream().mapToLong(Long::longValue).filter(x -> x > 0).sorted().toArray();
      return v.length == 0 ? 0 : v[v.length / 2];
    }
  }

  private static Extended extendFile(
      Path file, Tail tail, String name, int days, long seed, double zeroVolumeRate) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      long before = Files.getLastModifiedTime(file).toMillis();
      if (ch.size() != tail.size) {
        throw new IllegalArgumentException(file + " changed while it was being extended");
      }
      StringBuilder sb = new StringBuilder(days * 110);
      LocalDate day = tail.lastDay;
      double close = Double.isFinite(tail.close) && tail.close > 0 ? tail.close : 10.0;
      for (int i = 0; i < days; i++) {
        day = day.plusDays(1);
        while (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY) {
          day = day.plusDays(1);
        }
        SplittableRandom r = new SplittableRandom(daySeed(seed, name, day));
        float c = (float) (close * Math.exp(gaussian(r) * 0.02));
        float open = (float) (close * Math.exp(gaussian(r) * 0.005));
        float high = (float) (Math.max(open, c) * (1 + Math.abs(gaussian(r)) * 0.01));
        float low = (float) (Math.min(open, c) * (1 - Math.abs(gaussian(r)) * 0.01));
        double noise = Math.exp(gaussian(r) * 0.5);
        long volume = r.nextDouble() < zeroVolumeRate ? 0 : (long) (tail.volumeLevel() * noise);
        String cs = Float.toString(c);
        sb.append(day)
            .append(',')
            .append(Float.toString(open))
            .append(',')
            .append(Float.toString(high))
            .append(',')
            .append(Float.toString(low))
            .append(',')
            .append(cs)
            .append(',')
            .append(cs)
            .append(',')
            .append(volume)
            .append('\n');
        close = c; // exactly what a later extension parses back from the line
        tail.add(close, volume);
      }
      byte[] out = sb.toString().getBytes(StandardCharsets.US_ASCII);
      ByteBuffer buf = ByteBuffer.wrap(out);
      long pos = tail.size;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      ch.close();
      Files.setLastModifiedTime(
          file, FileTime.fromMillis(Math.max(System.currentTimeMillis(), before + 1)));
      return new Extended(out.length, day);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The day's stream of a file: seed, the file's path under the dataset and the date. */
  private static long daySeed(long seed, String name, LocalDate day) {
    long h = seed * 0x9E3779B97F4A7C15L;
    for (int i = 0; i < name.length(); i++) {
      h = (h ^ name.charAt(i)) * 0x100000001B3L;
    }
    return h ^ (day.toEpochDay() * 0xC2B2AE3D27D4EB4FL);
  }

  /**
   * Reads the header and enough of the file's end for its last date, its last complete row's Close
   * and the volumes of its last {@value #VOLUME_WINDOW} complete rows; refuses a file that is not
   * in the layout or whose last line is unfinished.
   */
  private static Tail readTail(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return readTail(ch, file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Tail readTail(FileChannel ch, Path file) throws IOException {
    long size = ch.size();
    ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, HEADER.length() + 2));
    ch.read(head, 0);
    String first = new String(head.array(), 0, head.position(), StandardCharsets.US_ASCII);
    if (!(first.startsWith(HEADER + "\n") || first.startsWith(HEADER + "\r\n"))) {
      throw new IllegalArgumentException(
          file + " does not start with the header " + HEADER + ": not a bar file to extend");
    }
    long want = 8192;
    while (true) {
      long from = Math.max(0, size - want);
      ByteBuffer b = ByteBuffer.allocate((int) (size - from));
      while (b.hasRemaining() && ch.read(b, from + b.position()) > 0) {}
      String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
      if (!text.endsWith("\n")) {
        throw new IllegalArgumentException(
            file + " does not end with a newline (caught mid-write?): not extended");
      }
      List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n")));
      lines.remove(0); // the header, or a line the read may have cut
      Tail t = new Tail();
      t.size = size;
      int complete = 0;
      for (String line : lines) {
        String[] f = line.strip().split(",", -1);
        if (f.length != 7) {
          continue;
        }
        if (Arrays.stream(f).noneMatch(String::isEmpty)) {
          try {
            t.add(Float.parseFloat(f[4]), (long) Double.parseDouble(f[6]));
            complete++;
          } catch (NumberFormatException e) {
            // not a complete row after all
          }
        }
      }
      for (int i = lines.size() - 1; i >= 0 && t.lastDay == null; i--) {
        String line = lines.get(i);
        int comma = line.indexOf(',');
        try {
          t.lastDay = LocalDate.parse(comma < 0 ? line.strip() : line.substring(0, comma));
        } catch (DateTimeParseException e) {
          // not a row
        }
      }
      if (from == 0 || (complete >= VOLUME_WINDOW && t.lastDay != null)) {
        if (t.lastDay == null) {
          throw new IllegalArgumentException(file + " has no dated row to extend from");
        }
        return t;
      }
      want *= 4;
    }
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
    sb.append(HEADER).append('\n');
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
