package dev.strata.pipelines.market;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipelines.launcher.Json;
import dev.strata.pipelines.testing.ChildJob;
import dev.strata.pipelines.testing.Duck;
import dev.strata.pipelines.testing.JobRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.ErrorCollector;
import org.junit.rules.TemporaryFolder;

/**
 * Issue 17, first step: {@code market} ingests and features only what changed in its input since
 * its last committed run (files that only grew, new files) and falls back to a full recompute for
 * anything else; whatever it does, the committed tables must equal a full recompute.
 *
 * <p>Each step mutates a copy of 12 sample files, runs {@code market --stages=ingest,features} into
 * one output (the increment), runs it again with {@code --force} into a fresh folder (the full
 * recompute) and checks:
 *
 * <ul>
 *   <li>{@code raw/} and {@code features/} of both hold the same rows (EXCEPT ALL both ways), each
 *       table read from exactly the part files its manifest's {@code outputs} lists (a folder may
 *       hold more: crash leftovers);
 *   <li>{@code features/} equals an independent DuckDB oracle computed from the CSV text (the one
 *       of {@link MarketJobTest}, with true line numbers so that of two rows of one date the first
 *       in the file is kept);
 *   <li>{@code _rejected/ingest/} holds the same (source, line, reason) in both;
 *   <li>the manifests' {@code run} says incremental or full as expected, with the files grown and
 *       new, and the log says so too; an increment keeps every part file the previous version
 *       listed and adds parts holding exactly the rows the full recompute gained.
 * </ul>
 *
 * <p>Checks are collected ({@link ErrorCollector}), so one run reports every difference of every
 * step rather than stopping at the first.
 */
public class MarketIncrementTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  @Rule public final ErrorCollector errors = new ErrorCollector();

  static final Path SAMPLE = MarketJobTest.SAMPLE;
  static final String META = "symbols_valid_meta.csv";
  static final String HEADER = "Date,Open,High,Low,Close,Adj Close,Volume";
  static final String RAW = "raw";
  static final String FEATURES = "features";

  /**
   * The input of both tests: 12 sample files, short and long, from both folders, two of them with
   * an empty row the sample rejects (BPMP, EDOW), two ending on 2020-04-01 (AAPL, FB), the others
   * on 2021-01-27, and two with 23 rows, fewer than the 30-row window (BSCE, BSMO).
   */
  static final List<String> FILES =
      List.of(
          "etfs/BMAR.csv",
          "etfs/BSCE.csv",
          "etfs/BSMO.csv",
          "etfs/DAX.csv",
          "etfs/DFNL.csv",
          "etfs/EDOW.csv",
          "stocks/AAPL.csv",
          "stocks/AFMD.csv",
          "stocks/AI.csv",
          "stocks/ARYA.csv",
          "stocks/BPMP.csv",
          "stocks/FB.csv");

  /** A symbol listed in the metadata whose sample file is not in {@link #FILES}: a new symbol. */
  static final String NEW_FILE = "stocks/ALEC.csv";

  private final Random random = new Random(17);
  private Duck duck;
  private int forcedRuns;

  @Before
  public void openDuck() throws Exception {
    duck = Duck.open();
  }

  @After
  public void closeDuck() throws Exception {
    duck.close();
  }

  @Test
  public void sequenceOfChangesEqualsAFullRecomputeAfterEachStep() throws Exception {
    Path in = input("in");
    Path out = tmp.getRoot().toPath().resolve("out");
    String first = market(in, out);
    expectOracle("first run", in, out);
    expectRun("first run", out, first, Expect.full());

    // 1. every file grows by one trading day
    for (String f : FILES) {
      appendDays(in.resolve(f), 1);
    }
    step("one day appended to every file", in, out, Expect.incremental(12, 0, 0));

    // 2. five more days in four files; BSCE and BSMO (23 rows in the sample) reach 29 rows, one
    // short of the window: their features stay null
    for (String f : List.of("etfs/BSCE.csv", "etfs/BSMO.csv", "stocks/AI.csv", "stocks/AAPL.csv")) {
      appendDays(in.resolve(f), 5);
    }
    step("five days appended to four files", in, out, Expect.incremental(4, 0, 8));
    expectEquals(
        "BSMO's rows with features after 29 rows",
        0,
        duck.count(where(table(out, FEATURES), "Symbol = 'BSMO' AND vol_moving_avg IS NOT NULL")));

    // 3. a new symbol (listed in the metadata, so the metadata is unchanged), and one more day in
    // BSMO: its 30th row has the first full window, all but the new row from the state
    Files.copy(SAMPLE.resolve(NEW_FILE), in.resolve(NEW_FILE));
    appendDays(in.resolve("etfs/BSMO.csv"), 1);
    step("a new symbol and BSMO's 30th row", in, out, Expect.incremental(1, 1, 11));
    expectEquals(
        "BSMO's 30th row has features (the first full window)",
        1,
        duck.count(where(table(out, FEATURES), "Symbol = 'BSMO' AND vol_moving_avg IS NOT NULL")));
    expectEquals(
        "the new symbol ALEC is in raw/ whole",
        Files.readAllLines(SAMPLE.resolve(NEW_FILE)).size() - 1,
        duck.count(where(table(out, RAW), "Symbol = 'ALEC'")));

    // 4. a row in the middle of AFMD edited in place (Close and Adj Close, same length), and a
    // day appended: the file grew but did not only grow, which neither its size nor its last
    // line tells: AFMD alone is recomputed from its whole file.
    Path afmd = in.resolve("stocks/AFMD.csv");
    Edit edit = editMiddleRow(afmd);
    appendDays(afmd, 1);
    step(
        "a middle row of AFMD edited and a day appended", in, out, Expect.recomputing(0, 0, 12, 1));
    expectEquals(
        "AFMD's edited row " + edit + " has its new Close in raw/",
        1,
        duck.count(
            where(
                table(out, RAW),
                "Symbol = 'AFMD' AND Date = '"
                    + edit.date()
                    + "' AND abs(Close - "
                    + edit.close()
                    + ") <= 1e-6 * "
                    + edit.close())));

    // 5. a file removed
    Files.delete(in.resolve("etfs/DAX.csv"));
    step("etfs/DAX.csv removed", in, out, Expect.recomputing(0, 0, 12, 1));
    for (String folder : List.of(RAW, FEATURES)) {
      expectEquals(
          "rows of the removed DAX in " + folder + "/",
          0,
          duck.count(where(table(out, folder), "Symbol = 'DAX'")));
    }

    // 6. a new metadata file with one Security Name changed
    String renamed = "Apple Inc. - Common Stock (renamed)";
    renameSecurity(in.resolve(META), "AAPL", "Apple Inc. - Common Stock", renamed);
    step("AAPL renamed in " + META, in, out, Expect.recomputing(0, 0, 12, 1));
    for (String folder : List.of(RAW, FEATURES)) {
      String t = table(out, folder);
      long aapl = duck.count(where(t, "Symbol = 'AAPL'"));
      expectTrue("AAPL has rows in " + folder + "/", aapl > 9_000);
      expectEquals(
          "AAPL rows of " + folder + "/ with the new Security Name '" + renamed + "'",
          aapl,
          duck.count(where(t, "Symbol = 'AAPL' AND \"Security Name\" = '" + renamed + "'")));
    }

    // 7. after full recomputes, an increment again: one day in each of the 12 files
    List<String> now = new ArrayList<>(FILES);
    now.remove("etfs/DAX.csv");
    now.add(NEW_FILE);
    for (String f : now) {
      appendDays(in.resolve(f), 1);
    }
    step("one day appended to every file after full runs", in, out, Expect.incremental(12, 0, 0));

    // 8. nothing changed: both stages are skipped, as before issue 17
    String again = market(in, out);
    for (String stage : List.of("ingest", "features")) {
      String line = "[" + stage + "] skipped: inputs and options unchanged";
      expectTrue("a rerun without changes logs '" + line + "'", again.contains(line));
    }
  }

  @Test
  public void badIncrements() throws Exception {
    Path in = input("in");
    Path out = tmp.getRoot().toPath().resolve("out");
    String first = market(in, out);
    expectRun("first run", out, first, Expect.full());

    // (a) a row repeating AI's last date, with other values: the first row of that date is kept
    // and the repeat is rejected as duplicate_date at its line, as a full run does
    Path ai = in.resolve("stocks/AI.csv");
    int aiLines = Files.readAllLines(ai).size();
    LocalDate aiLast = lastDate(ai);
    append(ai, aiLast + ",1.0,2.0,0.5,1.5,1.5,777\n");
    step("a row repeating AI's last date", in, out, Expect.either());
    expectEquals(
        "the repeat of AI's last date is rejected",
        List.of((aiLines + 1) + " duplicate_date " + aiLast + ",1.0,2.0,0.5,1.5,1.5,777"),
        rejectsOf(out, ai));
    expectEquals(
        "AI's row of " + aiLast + " is the first one",
        0,
        duck.count(where(table(out, RAW), "Symbol = 'AI' AND Volume = 777")));

    // (b) ARYA gets a good day, a negative Volume, a good day and a High that is not a number
    Path arya = in.resolve("stocks/ARYA.csv");
    int aryaLines = Files.readAllLines(arya).size();
    List<String> days = nextDays(arya, 4);
    String negativeVolume = withField(days.get(1), 6, "-5");
    String badHigh = withField(days.get(3), 2, "n/a");
    append(arya, String.join("\n", days.get(0), negativeVolume, days.get(2), badHigh) + "\n");
    Path forced = step("good and bad rows appended to ARYA", in, out, Expect.incremental(1, 0, 11));
    List<String> expected =
        List.of(
            (aryaLines + 2) + " negative_volume " + negativeVolume,
            (aryaLines + 4) + " unparseable_number " + badHigh);
    expectEquals("ARYA's rejects of the forced run", expected, rejectsOf(forced, arya));
    expectEquals("ARYA's rejects of the increment", expected, rejectsOf(out, arya));
    for (int i = 0; i < 4; i++) {
      expectEquals(
          "ARYA's appended row " + days.get(i) + " in raw/",
          i % 2 == 0 ? 1 : 0,
          duck.count(
              where(table(out, RAW), "Symbol = 'ARYA' AND Date = '" + date(days.get(i)) + "'")));
    }

    // (c) BMAR gets a complete day and the start of the next one, without its newline (a file
    // caught mid-write): the complete row is ingested, the partial one neither ingested nor
    // rejected. A full run may reject it (it is the file's last line then): that reject is the
    // one difference allowed between the two.
    Path bmar = in.resolve("etfs/BMAR.csv");
    int bmarLines = Files.readAllLines(bmar).size();
    days = nextDays(bmar, 2);
    int cut = ordinalIndexOf(days.get(1), ',', 3);
    String partial = days.get(1).substring(0, cut);
    append(bmar, days.get(0) + "\n" + partial);
    String partialAt = bmar + " line " + (bmarLines + 2) + ": ";
    step(
        "a complete and a partial row appended to BMAR",
        in,
        out,
        Expect.incremental(1, 0, 11),
        Set.of(partialAt));
    expectEquals(
        "BMAR's complete appended row " + days.get(0) + " in raw/",
        1,
        duck.count(
            where(table(out, RAW), "Symbol = 'BMAR' AND Date = '" + date(days.get(0)) + "'")));
    expectEquals(
        "BMAR's partial row '" + partial + "' in raw/",
        0,
        duck.count(
            where(table(out, RAW), "Symbol = 'BMAR' AND Date = '" + date(days.get(1)) + "'")));
    expectEquals("BMAR's partial row '" + partial + "' rejected", List.of(), rejectsOf(out, bmar));

    // ... and the writer finishes the line: now it is ingested
    append(bmar, days.get(1).substring(cut) + "\n");
    step("BMAR's partial row completed", in, out, Expect.incremental(1, 0, 11));
    expectEquals(
        "BMAR's completed row " + days.get(1) + " in raw/",
        1,
        duck.count(
            where(table(out, RAW), "Symbol = 'BMAR' AND Date = '" + date(days.get(1)) + "'")));

    // (d) BMAR shrinks by 3 lines: its two appended days and the sample's last one
    String last = dropLastLines(bmar, 3);
    step("BMAR's last 3 lines removed", in, out, Expect.recomputing(0, 0, 11, 1));
    expectEquals(
        "BMAR's last date in raw/ is the one of its new last line " + last,
        List.of(List.of(date(last))),
        duck.query("SELECT max(Date) FROM " + where(table(out, RAW), "Symbol = 'BMAR'")));
  }

  /**
   * {@code kill -9} during increments and during a compaction, at seeded random moments (in the
   * pipeline, while files are moved in, between the two stages' commits): after every kill each
   * stage's manifest lists files that exist and hold exactly the rows it says (the old version or
   * the new one, never half of one), and the run after the last kill ends with the tables of an
   * uninterrupted full recompute.
   */
  @Test(timeout = 600_000)
  public void killedDuringIncrementsAndACompactionItEndsAsAFullRecompute() throws Exception {
    Path in = input("crash-in");
    Path out = tmp.getRoot().toPath().resolve("crash-out");
    market(in, out);
    long seed = Long.getLong("crash.seed", 17);
    Random kills = new Random(seed);
    for (int k = 0; k < 3; k++) {
      for (String f : FILES) {
        appendDays(in.resolve(f), 1);
      }
      killAt(in, out, "[ingest] incremental", 200 + kills.nextInt(6_000), "seed " + seed);
      expectCommittedVersion("after kill " + k, out);
    }
    killAt(in, out, "[compact] merging", kills.nextInt(3_000), "seed " + seed, "--compact");
    expectCommittedVersion("after the kill in the compaction", out);
    market(in, out, "--compact");
    Path forced = tmp.getRoot().toPath().resolve("crash-forced");
    market(in, forced, "--force");
    expectSameTables("after the kills", out, forced);
    expectOracle("after the kills", in, out);
    for (String folder : List.of(RAW, FEATURES)) {
      expectTrue(
          folder
              + " still lists increment files after --compact: "
              + outputs(manifest(out, folder)),
          outputs(manifest(out, folder)).stream().noneMatch(n -> n.startsWith("inc-")));
    }
  }

  /**
   * The runner matrix: the same committed version in two outputs, then the same increment on the
   * DirectRunner and on embedded Flink gives the same tables. Both roll the features on in ingest's
   * job ({@code FeaturesAhead}); a third output runs the stages one command each, so its features
   * increment reads the committed raw files instead, and gives the same tables too.
   */
  @Test(timeout = 300_000)
  public void directAndFlinkGiveTheSameIncrement() throws Exception {
    Path in = input("runners-in");
    Path direct = tmp.getRoot().toPath().resolve("runners-direct");
    market(in, direct);
    Path flink = tmp.getRoot().toPath().resolve("runners-flink");
    market(in, flink); // the same committed version (a manifest names its inputs by path)
    Path apart = tmp.getRoot().toPath().resolve("stages-apart");
    market(in, apart);
    for (String f : FILES) {
      appendDays(in.resolve(f), 3);
    }
    String onDirect = market(in, direct);
    String ingestAlone =
        JobRun.ok("market", "--input=" + in, "--output=" + apart, "--stages=ingest", JobRun.DIRECT);
    String featuresAlone =
        JobRun.ok(
            "market", "--input=" + in, "--output=" + apart, "--stages=features", JobRun.DIRECT);
    expectTrue(ingestAlone, ingestAlone.contains("[ingest] incremental: "));
    expectTrue(featuresAlone, featuresAlone.contains("[features] incremental: "));
    expectTrue(featuresAlone, featuresAlone.contains(" read), "));
    expectTrue(onDirect, onDirect.contains("rolled on in ingest's job"));
    String onFlink =
        JobRun.ok(
            "market",
            "--input=" + in,
            "--output=" + flink,
            "--stages=ingest,features",
            JobRun.FLINK);
    for (String log : List.of(onDirect, onFlink)) {
      expectTrue(log, log.contains("[ingest] incremental: " + FILES.size() + " files grown"));
      expectTrue(log, log.contains("[features] incremental:"));
    }
    expectTrue(onFlink, onFlink.contains("[FlinkRunner]"));
    expectTrue(onFlink, onFlink.contains("rolled on in ingest's job"));
    expectSameTables("Direct vs Flink", direct, flink);
    expectSameTables("one job vs a job per stage", direct, apart);
  }

  /**
   * {@code --continuous}: the job catches up, then each day appended to every file while it runs is
   * one increment of both stages, published within the settle time; SIGTERM stops it with exit code
   * 0, and the tables equal a {@code --force} run's.
   */
  @Test(timeout = 300_000)
  public void continuousAppliesEachDayAsAnIncrement() throws Exception {
    Path in = input("continuous-in");
    Path out = tmp.getRoot().toPath().resolve("continuous-out");
    Path log = Files.createTempFile(tmp.getRoot().toPath(), "continuous-", ".log");
    Process child =
        ChildJob.start(
            log,
            "market",
            "--input=" + in,
            "--output=" + out,
            "--stages=ingest,features",
            "--continuous",
            "--pollSeconds=1",
            "--settleSeconds=1",
            JobRun.DIRECT);
    try {
      ChildJob.awaitLog(log, child, "[market] run 1: catching up");
      awaitRows(out, log, child, -1);
      for (int day = 0; day < 2; day++) {
        long before = manifest(out, FEATURES).at("/rows_total/out").asLong();
        for (String f : FILES) {
          appendDays(in.resolve(f), 1);
        }
        awaitRows(out, log, child, before + FILES.size());
        expectEquals(
            "day " + day + ": the ingest run's kind",
            "incremental",
            field(manifest(out, RAW), "/run/kind"));
        expectEquals(
            "day " + day + ": the features run's kind",
            "incremental",
            field(manifest(out, FEATURES), "/run/kind"));
      }
    } finally {
      String text = ChildJob.sigterm(child, log);
      expectTrue(text, text.contains("[market] stopped after"));
    }
    Path forced = tmp.getRoot().toPath().resolve("continuous-forced");
    market(in, forced, "--force");
    expectSameTables("continuous", out, forced);
  }

  /** Waits until features/ holds {@code rows} rows (-1: any committed version). */
  private static void awaitRows(Path out, Path log, Process child, long rows) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      if (!child.isAlive()) {
        throw new AssertionError("the job ended: " + Files.readString(log));
      }
      Path m = out.resolve(FEATURES).resolve("_manifest.json");
      if (Files.exists(m)) {
        long now = Json.MAPPER.readTree(m.toFile()).at("/rows_total/out").asLong();
        if (rows < 0 ? now > 0 : now == rows) {
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("features/ never held " + rows + " rows: " + Files.readString(log));
  }

  /** Starts the job in a process of its own and kills it {@code delayMs} after {@code line}. */
  private static void killAt(
      Path in, Path out, String line, long delayMs, String why, String... extra) throws Exception {
    Path log = Files.createTempFile(out.getParent(), "child-", ".log");
    List<String> args =
        new ArrayList<>(
            List.of(
                "market",
                "--input=" + in,
                "--output=" + out,
                "--stages=ingest,features",
                JobRun.DIRECT));
    args.addAll(List.of(extra));
    Process child = ChildJob.start(log, args.toArray(String[]::new));
    try {
      ChildJob.awaitLog(log, child, line);
      Thread.sleep(delayMs);
    } finally {
      new ProcessBuilder("kill", "-9", Long.toString(child.pid())).start().waitFor();
      child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    System.out.println("killed " + delayMs + " ms after '" + line + "' (" + why + ")");
  }

  /** Each stage's manifest lists files that exist and that hold the rows it says it holds. */
  private void expectCommittedVersion(String step, Path out) throws Exception {
    for (String folder : List.of(RAW, FEATURES)) {
      JsonNode m = manifest(out, folder);
      for (String f : outputs(m)) {
        expectTrue(
            step + ": " + folder + "/" + f + " is listed but missing",
            Files.exists(out.resolve(folder).resolve(f)));
      }
      expectEquals(
          step + ": rows of the files " + folder + "/_manifest.json lists",
          m.at("/rows_total/out").asLong(),
          duck.count(table(out, folder)));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Running and comparing

  /** What the increment's manifests and log must say about the run. */
  enum Kind {
    INCREMENTAL,
    FULL,
    /** Either kind is correct; the manifests must say which. */
    EITHER
  }

  /** The expected kind and, for an increment, the bar files grown, new and unchanged. */
  record Expect(Kind kind, int grown, int added, int unchanged, int recomputed) {
    static Expect incremental(int grown, int added, int unchanged) {
      return new Expect(Kind.INCREMENTAL, grown, added, unchanged, 0);
    }

    /** An increment that also recomputes {@code recomputed} symbols from all their rows. */
    static Expect recomputing(int grown, int added, int unchanged, int recomputed) {
      return new Expect(Kind.INCREMENTAL, grown, added, unchanged, recomputed);
    }

    static Expect full() {
      return new Expect(Kind.FULL, -1, -1, -1, -1);
    }

    static Expect either() {
      return new Expect(Kind.EITHER, -1, -1, -1, -1);
    }
  }

  /** {@code market --input=in --output=out --stages=ingest,features} on the DirectRunner. */
  private static String market(Path in, Path out, String... extra) throws Exception {
    return JobRun.ok(
        JobRun.args(
            "market",
            List.of("--input=" + in, "--output=" + out, "--stages=ingest,features", JobRun.DIRECT),
            extra));
  }

  private Path step(String step, Path in, Path out, Expect expect) throws Exception {
    return step(step, in, out, expect, Set.of());
  }

  /**
   * One step: the increment into {@code out}, a forced full run on the same input into a fresh
   * folder, and every check of the class comment. {@code forcedOnly} are rejects ({@code "<source>
   * line <n>: "}) the forced run may have and the increment not. Returns the forced run's output.
   */
  private Path step(String step, Path in, Path out, Expect expect, Set<String> forcedOnly)
      throws Exception {
    JsonNode rawBefore = manifest(out, RAW);
    JsonNode featuresBefore = manifest(out, FEATURES);
    String log = market(in, out);
    Path forced = tmp.getRoot().toPath().resolve("forced-" + ++forcedRuns);
    String forcedLog = market(in, forced, "--force");
    expectSameTables(step, out, forced);
    expectOracle(step, in, out);
    expectSameRejects(step, out, forced, forcedOnly);
    expectRun(step, out, log, expect);
    expectRun(step + " (the forced run)", forced, forcedLog, Expect.full());
    if (expect.kind() == Kind.INCREMENTAL && expect.recomputed() == 0) {
      expectAppendedParts(step, out, forced, RAW, rawBefore);
      expectAppendedParts(step, out, forced, FEATURES, featuresBefore);
    }
    return forced;
  }

  /** raw/ and features/ of {@code out} and {@code forced} are the same rows. */
  private void expectSameTables(String step, Path out, Path forced) throws Exception {
    for (String folder : List.of(RAW, FEATURES)) {
      String a = table(out, folder);
      String b = table(forced, folder);
      long diff = duck.difference(a, b);
      if (diff != 0) {
        fail(
            step
                + ": "
                + folder
                + "/ differs from the forced full run's in "
                + diff
                + " rows ("
                + duck.count(a)
                + " vs "
                + duck.count(b)
                + "); only in the increment: "
                + only(a, b)
                + "; only in the forced run: "
                + only(b, a));
      }
    }
    // raw/ is features/ without the two feature columns
    String features =
        "(SELECT * EXCLUDE (vol_moving_avg, adj_close_rolling_med) FROM "
            + table(out, FEATURES)
            + ")";
    long diff = duck.difference(table(out, RAW), features);
    if (diff != 0) {
      fail(
          step
              + ": raw/ and features/ (without its feature columns) differ in "
              + diff
              + " rows; only in raw/: "
              + only(table(out, RAW), features)
              + "; only in features/: "
              + only(features, table(out, RAW)));
    }
  }

  /** Up to 5 rows of {@code a} not in {@code b}. */
  private List<List<String>> only(String a, String b) throws Exception {
    return duck.query("FROM (FROM " + a + " EXCEPT ALL FROM " + b + ") ORDER BY ALL LIMIT 5");
  }

  /**
   * The manifests' {@code run} and the log of {@code out}'s last run say {@code expect}: for an
   * increment {@code [ingest] incremental: N files grown, M new, U unchanged} (U counts bar files)
   * and the same counts in {@code run}; for a full run {@code [ingest] full run: <reason>} and the
   * reason in {@code run}.
   */
  private void expectRun(String step, Path out, String log, Expect expect) throws Exception {
    JsonNode raw = manifest(out, RAW);
    JsonNode features = manifest(out, FEATURES);
    String rawKind = field(raw, "/run/kind");
    String featuresKind = field(features, "/run/kind");
    switch (expect.kind()) {
      case INCREMENTAL -> {
        expectEquals(step + ": raw/_manifest.json run.kind", "incremental", rawKind);
        expectEquals(step + ": features/_manifest.json run.kind", "incremental", featuresKind);
        expectEquals(
            step + ": raw/_manifest.json run.files_grown",
            String.valueOf(expect.grown()),
            field(raw, "/run/files_grown"));
        expectEquals(
            step + ": raw/_manifest.json run.files_new",
            String.valueOf(expect.added()),
            field(raw, "/run/files_new"));
        expectEquals(
            step + ": raw/_manifest.json run.symbols_recomputed",
            String.valueOf(expect.recomputed()),
            field(raw, "/run/symbols_recomputed"));
        Pattern line =
            Pattern.compile(
                Pattern.quote("[ingest] incremental: ")
                    + expect.grown()
                    + " files? grown, "
                    + expect.added()
                    + " new, "
                    + expect.unchanged()
                    + " unchanged");
        expectTrue(
            step
                + ": the log has '[ingest] incremental: "
                + expect.grown()
                + " files grown, "
                + expect.added()
                + " new, "
                + expect.unchanged()
                + " unchanged'; its [ingest] lines: "
                + ingestLines(log),
            line.matcher(log).find());
      }
      case FULL -> {
        expectEquals(step + ": raw/_manifest.json run.kind", "full", rawKind);
        expectEquals(step + ": features/_manifest.json run.kind", "full", featuresKind);
        String reason = field(raw, "/run/reason");
        expectTrue(
            step + ": raw/_manifest.json run.reason says why (is " + reason + ")",
            !reason.isBlank() && !reason.equals(MISSING));
        expectTrue(
            step
                + ": the log has '[ingest] full run: <reason>'; its [ingest] lines: "
                + ingestLines(log),
            log.contains("[ingest] full run: "));
      }
      case EITHER -> {
        Set<String> kinds = Set.of("incremental", "full");
        expectTrue(
            step + ": raw/_manifest.json run.kind is incremental or full (is " + rawKind + ")",
            kinds.contains(rawKind));
        expectTrue(
            step
                + ": features/_manifest.json run.kind is incremental or full (is "
                + featuresKind
                + ")",
            kinds.contains(featuresKind));
      }
    }
  }

  private static List<String> ingestLines(String log) {
    return log.lines().filter(l -> l.startsWith("[ingest]")).toList();
  }

  /**
   * An increment of {@code folder}: its manifest still lists every part file it listed before and
   * new ones, and the new ones hold exactly the rows the full recompute has beyond the previous
   * version.
   */
  private void expectAppendedParts(
      String step, Path out, Path forced, String folder, JsonNode before) throws Exception {
    List<String> old = outputs(before);
    List<String> now = outputs(manifest(out, folder));
    List<String> dropped = old.stream().filter(f -> !now.contains(f)).toList();
    List<String> added = now.stream().filter(f -> !old.contains(f)).toList();
    expectEquals(
        step + ": part files of " + folder + "/ an increment no longer lists", List.of(), dropped);
    expectTrue(step + ": an increment adds part files to " + folder + "/", !added.isEmpty());
    if (!dropped.isEmpty() || added.isEmpty()) {
      return;
    }
    String newParts = parquet(out.resolve(folder), added);
    String gained =
        "(FROM "
            + table(forced, folder)
            + " EXCEPT ALL FROM "
            + parquet(out.resolve(folder), old)
            + ")";
    long diff = duck.difference(newParts, gained);
    if (diff != 0) {
      fail(
          step
              + ": the new part files of "
              + folder
              + "/ "
              + added
              + " hold "
              + duck.count(newParts)
              + " rows, the forced run gained "
              + duck.count(gained)
              + ", "
              + diff
              + " differ; only in the new parts: "
              + only(newParts, gained)
              + "; only gained: "
              + only(gained, newParts));
    }
  }

  /**
   * {@code features/} of {@code out} equals DuckDB's own reading of the CSV text under {@code in}:
   * a row is kept when it has 7 fields, a date, finite prices and an integral volume &gt;= 0, the
   * first kept row of a date in the file wins, names come from the metadata, and the features are
   * the mean of the last 30 volumes and the exact median of the last 30 Adj Close, null for the
   * first 29 rows of a symbol.
   */
  private void expectOracle(String step, Path in, Path out) throws Exception {
    duck.exec(
        "CREATE OR REPLACE TABLE csv_lines AS SELECT regexp_extract(filename, '([^/]+)\\.csv$', 1)"
            + " AS file_symbol, filename AS source, i AS line, split[i] AS text FROM (SELECT"
            + " filename, split, unnest(range(1, len(split) + 1)) AS i FROM (SELECT filename,"
            + " string_split(content, chr(10)) AS split FROM read_text(['"
            + in
            + "/etfs/*.csv', '"
            + in
            + "/stocks/*.csv'])))");
    assertEquals(
        "oracle: every CSV starts with the standard header",
        0,
        duck.count("csv_lines WHERE line = 1 AND text <> '" + HEADER + "'"));
    duck.exec(
        "CREATE OR REPLACE TABLE typed AS SELECT file_symbol, line, TRY_CAST(f[1] AS DATE) AS d,"
            + " TRY_CAST(f[2] AS FLOAT) AS o, TRY_CAST(f[3] AS FLOAT) AS h, TRY_CAST(f[4] AS FLOAT)"
            + " AS l, TRY_CAST(f[5] AS FLOAT) AS c, TRY_CAST(f[6] AS FLOAT) AS ac,"
            + " TRY_CAST(f[7] AS DOUBLE) AS v FROM (SELECT *, string_split(text, ',') AS f FROM"
            + " csv_lines WHERE line > 1 AND text <> '') WHERE len(f) = 7");
    duck.exec(
        "CREATE OR REPLACE TABLE kept AS SELECT * FROM typed WHERE d IS NOT NULL"
            + " AND isfinite(o) AND isfinite(h) AND isfinite(l) AND isfinite(c) AND isfinite(ac)"
            + " AND isfinite(v) AND v >= 0 AND v = floor(v)"
            + " QUALIFY row_number() OVER (PARTITION BY file_symbol, d ORDER BY line) = 1");
    duck.exec(
        "CREATE OR REPLACE TABLE meta AS SELECT \"NASDAQ Symbol\" AS nasdaq, \"Symbol\" AS symbol,"
            + " nullif(trim(\"Security Name\"), '') AS name FROM read_csv('"
            + in.resolve(META)
            + "', header=true, all_varchar=true)");
    duck.exec(
        "CREATE OR REPLACE TABLE oracle AS SELECT coalesce(m.symbol, k.file_symbol) AS sym,"
            + " m.name AS name, strftime(d, '%Y-%m-%d') AS dt, o, h, l, c, ac, v::BIGINT AS vol,"
            + " CASE WHEN count(*) OVER w = 30 THEN avg(v) OVER w END AS vma,"
            + " CASE WHEN count(*) OVER w = 30 THEN median(ac::DOUBLE) OVER w END AS med"
            + " FROM kept k LEFT JOIN meta m ON m.nasdaq = k.file_symbol"
            + " WINDOW w AS (PARTITION BY k.file_symbol ORDER BY d"
            + " ROWS BETWEEN 29 PRECEDING AND CURRENT ROW)");
    duck.exec("CREATE OR REPLACE TABLE ours AS FROM " + table(out, FEATURES));

    long oracleRows = duck.count("oracle");
    expectEquals(step + ": rows of features/ vs the oracle's", oracleRows, duck.count("ours"));
    expectEquals(
        step + ": (Symbol, Date) twice in features/",
        List.of(),
        duck.query(
            "SELECT \"Symbol\", \"Date\", count(*) FROM ours GROUP BY ALL HAVING count(*) > 1"
                + " ORDER BY ALL LIMIT 5"));
    String join =
        " FROM ours JOIN oracle ON ours.\"Symbol\" = oracle.sym AND ours.\"Date\" = oracle.dt";
    expectEquals(
        step + ": rows of features/ whose (Symbol, Date) the oracle has",
        oracleRows,
        duck.scalar("SELECT count(*)" + join));
    String mismatch =
        " WHERE ours.\"Security Name\" IS DISTINCT FROM oracle.name"
            + " OR abs(ours.\"Open\" - o) > 1e-6 * abs(o) OR abs(ours.\"High\" - h) > 1e-6 * abs(h)"
            + " OR abs(ours.\"Low\" - l) > 1e-6 * abs(l) OR abs(ours.\"Close\" - c) > 1e-6 * abs(c)"
            + " OR abs(ours.\"Adj Close\" - ac) > 1e-6 * abs(ac) OR ours.\"Volume\" <> vol"
            + " OR (ours.vol_moving_avg IS NULL) <> (vma IS NULL)"
            + " OR (ours.adj_close_rolling_med IS NULL) <> (med IS NULL)"
            + " OR abs(ours.vol_moving_avg - vma) > 1e-9 * greatest(1, abs(vma))"
            + " OR abs(ours.adj_close_rolling_med - med) > 1e-9 * greatest(1e-9, abs(med))";
    long mismatches = duck.scalar("SELECT count(*)" + join + mismatch);
    if (mismatches != 0) {
      fail(
          step
              + ": "
              + mismatches
              + " rows of features/ differ from the oracle, e.g. (ours, then oracle): "
              + duck.query(
                  "SELECT ours.*, oracle.*"
                      + join
                      + mismatch
                      + " ORDER BY ours.\"Symbol\", ours.\"Date\" LIMIT 3"));
    }
  }

  /** {@code _rejected/ingest/} of both runs: the same (source, line, reason). */
  private void expectSameRejects(String step, Path out, Path forced, Set<String> forcedOnly)
      throws Exception {
    List<String> ours = rejectKeys(out);
    List<String> full = rejectKeys(forced);
    full.removeIf(k -> forcedOnly.stream().anyMatch(k::startsWith));
    List<String> onlyOurs = minus(ours, full);
    List<String> onlyFull = minus(full, ours);
    if (!onlyOurs.isEmpty() || !onlyFull.isEmpty()) {
      fail(
          step
              + ": _rejected/ingest/ differs from the forced run's; only in the increment: "
              + onlyOurs
              + "; only in the forced run: "
              + onlyFull);
    }
  }

  /** {@code a} without one occurrence of each element of {@code b}. */
  private static List<String> minus(List<String> a, List<String> b) {
    List<String> rest = new ArrayList<>(a);
    b.forEach(rest::remove);
    return rest;
  }

  /** The ingest rejects of {@code out} as {@code <source> line <n>: <reason>}, sorted. */
  private static List<String> rejectKeys(Path out) throws IOException {
    List<String> keys = new ArrayList<>();
    for (JsonNode j : rejects(out)) {
      keys.add(
          j.path("source").asText()
              + " line "
              + j.path("line").asText()
              + ": "
              + j.path("reason").asText());
    }
    keys.sort(null);
    return keys;
  }

  /** The ingest rejects of {@code out} from {@code file}, as {@code <line> <reason> <payload>}. */
  private static List<String> rejectsOf(Path out, Path file) throws IOException {
    List<String> found = new ArrayList<>();
    for (JsonNode j : rejects(out)) {
      if (j.path("source").asText().equals(file.toString())) {
        found.add(
            j.path("line").asText()
                + " "
                + j.path("reason").asText()
                + " "
                + j.path("payload").asText());
      }
    }
    // by line number (numbers compare by length first), then text
    found.sort(
        Comparator.comparing((String x) -> x.indexOf(' '))
            .thenComparing(Comparator.naturalOrder()));
    return found;
  }

  /** Every JSON line of {@code <out>/_rejected/ingest/*.jsonl}. */
  private static List<JsonNode> rejects(Path out) throws IOException {
    List<JsonNode> all = new ArrayList<>();
    Path dir = out.resolve("_rejected/ingest");
    if (!Files.isDirectory(dir)) {
      return all;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".jsonl"))
              .sorted()
              .toList();
    }
    for (Path f : files) {
      for (String line : Files.readAllLines(f, UTF_8)) {
        if (!line.isBlank()) {
          all.add(Json.MAPPER.readTree(line));
        }
      }
    }
    return all;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading the committed tables

  static final String MISSING = "(missing)";

  private static JsonNode manifest(Path out, String folder) throws IOException {
    return Json.MAPPER.readTree(out.resolve(folder).resolve("_manifest.json").toFile());
  }

  /** A manifest's value at {@code pointer} as text, or {@link #MISSING}. */
  private static String field(JsonNode manifest, String pointer) {
    JsonNode n = manifest.at(pointer);
    return n.isMissingNode() || n.isNull() ? MISSING : n.asText();
  }

  /** The part files a manifest's {@code outputs} lists. */
  private static List<String> outputs(JsonNode manifest) {
    List<String> names = new ArrayList<>();
    manifest.path("outputs").forEach(n -> names.add(n.asText()));
    return names;
  }

  /**
   * {@code <out>/<folder>} as committed: {@code read_parquet([...])} of exactly the files its
   * manifest's {@code outputs} lists.
   */
  private static String table(Path out, String folder) throws IOException {
    List<String> files = outputs(manifest(out, folder));
    if (files.isEmpty()) {
      throw new AssertionError(out.resolve(folder) + "/_manifest.json lists no outputs");
    }
    return parquet(out.resolve(folder), files);
  }

  private static String parquet(Path dir, List<String> names) {
    return names.stream()
        .map(n -> "'" + dir.resolve(n) + "'")
        .collect(Collectors.joining(", ", "read_parquet([", "])"));
  }

  private static String where(String table, String condition) {
    return "(FROM " + table + " WHERE " + condition + ")";
  }

  // ---------------------------------------------------------------------------------------------
  // Mutating the input

  /** A fresh input: {@link #FILES} and the metadata, copied from the sample. */
  private Path input(String name) throws IOException {
    Path in = tmp.newFolder(name).toPath();
    Files.createDirectories(in.resolve("etfs"));
    Files.createDirectories(in.resolve("stocks"));
    Files.copy(SAMPLE.resolve(META), in.resolve(META));
    for (String f : FILES) {
      Files.copy(SAMPLE.resolve(f), in.resolve(f));
    }
    return in;
  }

  @FunctionalInterface
  interface Change {
    void apply() throws IOException;
  }

  /**
   * Applies {@code change} to {@code file} and then sets its modification time at least a second
   * after the one it had, so that the change shows in the fingerprint even when the file keeps its
   * size and the file system's clock is coarse.
   */
  static void modify(Path file, Change change) throws IOException {
    long before = Files.getLastModifiedTime(file).toMillis();
    change.apply();
    long after = Math.max(Files.getLastModifiedTime(file).toMillis(), before + 1_000);
    Files.setLastModifiedTime(file, FileTime.fromMillis(after));
  }

  static void append(Path file, String text) throws IOException {
    modify(file, () -> Files.writeString(file, text, UTF_8, StandardOpenOption.APPEND));
  }

  /** Appends {@code n} trading days (see {@link #nextDays}) to {@code file}. */
  private List<String> appendDays(Path file, int n) throws IOException {
    List<String> rows = nextDays(file, n);
    append(file, String.join("\n", rows) + "\n");
    return rows;
  }

  /**
   * {@code n} rows for the weekdays after the last date of {@code file}: prices that move at most a
   * percent or two from its last complete row's Close, its ratio of Adj Close to Close, and an
   * integer volume near its last one.
   */
  private List<String> nextDays(Path file, int n) throws IOException {
    List<String> lines = Files.readAllLines(file, UTF_8);
    String[] last = null;
    for (int i = lines.size() - 1; i > 0 && last == null; i--) {
      String[] f = lines.get(i).split(",", -1);
      if (f.length == 7 && Arrays.stream(f).noneMatch(String::isEmpty)) {
        last = f;
      }
    }
    Objects.requireNonNull(last, () -> file + " has no complete row");
    LocalDate day = lastDate(file);
    double close = Double.parseDouble(last[4]);
    close = close > 0.01 ? close : 10;
    double ratio = Double.parseDouble(last[5]) / close;
    ratio = Double.isFinite(ratio) && ratio > 0 ? ratio : 1;
    double volume = Math.max(1_000, Double.parseDouble(last[6]));
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      day = nextWeekday(day);
      double open = close * (1 + 0.01 * (random.nextDouble() - 0.5));
      double next = open * (1 + 0.02 * (random.nextDouble() - 0.5));
      double high = Math.max(open, next) * (1 + 0.005 * random.nextDouble());
      double low = Math.min(open, next) * (1 - 0.005 * random.nextDouble());
      long vol = Math.round(volume * (0.5 + random.nextDouble()));
      rows.add(
          String.format(
              Locale.ROOT,
              "%s,%.4f,%.4f,%.4f,%.4f,%.4f,%d",
              day,
              open,
              high,
              low,
              next,
              next * ratio,
              vol));
      close = next;
    }
    return rows;
  }

  /** The latest date of {@code file}'s rows. */
  static LocalDate lastDate(Path file) throws IOException {
    LocalDate last = null;
    List<String> lines = Files.readAllLines(file, UTF_8);
    for (String line : lines.subList(1, lines.size())) {
      String d = line.split(",", -1)[0];
      if (d.matches("\\d{4}-\\d{2}-\\d{2}")) {
        LocalDate day = LocalDate.parse(d);
        last = last == null || day.isAfter(last) ? day : last;
      }
    }
    return Objects.requireNonNull(last, () -> file + " has no dated row");
  }

  static LocalDate nextWeekday(LocalDate day) {
    LocalDate next = day.plusDays(1);
    while (next.getDayOfWeek() == DayOfWeek.SATURDAY || next.getDayOfWeek() == DayOfWeek.SUNDAY) {
      next = next.plusDays(1);
    }
    return next;
  }

  /** A CSV row with field {@code index} (0 = Date) replaced by {@code value}. */
  static String withField(String row, int index, String value) {
    String[] f = row.split(",", -1);
    f[index] = value;
    return String.join(",", f);
  }

  static String date(String row) {
    return row.substring(0, row.indexOf(','));
  }

  /** The index of the {@code n}th (1-based) {@code c} in {@code s}. */
  static int ordinalIndexOf(String s, char c, int n) {
    int at = -1;
    for (int k = 0; k < n; k++) {
      at = s.indexOf(c, at + 1);
      if (at < 0) {
        throw new IllegalArgumentException("'" + s + "' has fewer than " + n + " '" + c + "'");
      }
    }
    return at;
  }

  /** A row edited in place: its line, its date and its new Close. */
  record Edit(int line, String date, String close) {}

  /**
   * Edits the first complete row from the middle of {@code file} on: the leading digit of its Close
   * and Adj Close changes, so the values change and the file keeps its size.
   */
  static Edit editMiddleRow(Path file) throws IOException {
    String text = Files.readString(file, UTF_8);
    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    int i = lines.size() / 2;
    while (lines.get(i).split(",", -1).length != 7 || lines.get(i).contains(",,")) {
      i++;
    }
    String[] f = lines.get(i).split(",", -1);
    f[4] = otherLeadingDigit(f[4]);
    f[5] = otherLeadingDigit(f[5]);
    lines.set(i, String.join(",", f));
    String edited = String.join("\n", lines);
    if (edited.length() != text.length() || edited.equals(text)) {
      throw new IllegalStateException("the edit of " + file + " line " + (i + 1) + " failed");
    }
    modify(file, () -> Files.writeString(file, edited, UTF_8));
    return new Edit(i + 1, f[0], f[4]);
  }

  /** {@code number} with its first digit d replaced by 1 + d mod 9 (never d, never 0). */
  static String otherLeadingDigit(String number) {
    int k = 0;
    while (!Character.isDigit(number.charAt(k))) {
      k++;
    }
    char d = number.charAt(k);
    return number.substring(0, k) + (char) ('1' + (d - '0') % 9) + number.substring(k + 1);
  }

  /** Removes the last {@code n} lines of {@code file}; returns its new last line. */
  static String dropLastLines(Path file, int n) throws IOException {
    List<String> lines = Files.readAllLines(file, UTF_8);
    List<String> kept = lines.subList(0, lines.size() - n);
    modify(file, () -> Files.writeString(file, String.join("\n", kept) + "\n", UTF_8));
    return kept.get(kept.size() - 1);
  }

  /**
   * Rewrites the metadata with the Security Name of {@code symbol} changed from {@code from} to
   * {@code to} (the file has CRLF line ends; they are kept).
   */
  static void renameSecurity(Path meta, String symbol, String from, String to) throws IOException {
    String text = Files.readString(meta, UTF_8);
    String line = "\nY," + symbol + "," + from + ",";
    int at = text.indexOf(line);
    if (at < 0 || text.indexOf(line, at + 1) >= 0) {
      throw new IllegalStateException(meta + " has not exactly one line starting " + line.strip());
    }
    String renamed = text.replace(line, "\nY," + symbol + "," + to + ",");
    modify(meta, () -> Files.writeString(meta, renamed, UTF_8));
  }

  // ---------------------------------------------------------------------------------------------
  // Collected checks

  private void fail(String message) {
    errors.addError(new AssertionError(message));
  }

  private void expectTrue(String what, boolean ok) {
    if (!ok) {
      fail(what);
    }
  }

  private void expectEquals(String what, long expected, long actual) {
    if (expected != actual) {
      fail(what + ": expected " + expected + " but was " + actual);
    }
  }

  private void expectEquals(String what, Object expected, Object actual) {
    if (!Objects.equals(expected, actual)) {
      fail(what + ": expected " + expected + " but was " + actual);
    }
  }
}
