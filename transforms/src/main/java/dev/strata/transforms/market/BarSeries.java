package dev.strata.transforms.market;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The daily bars of one symbol from one source, stored column by column.
 *
 * <p>This is the market job's element type: one element per symbol (or per piece of a symbol)
 * rather than one per row. The Kaggle layout holds ~28 M rows in 8,049 files; carrying whole series
 * keeps Beam's per-element cost (coder calls, runner bookkeeping) at thousands of elements instead
 * of tens of millions, and each series is exactly the unit that the order-dependent rolling math
 * needs.
 *
 * <p>Columns: {@code days} (epoch day of {@code Date}), {@code open}, {@code high}, {@code low},
 * {@code close}, {@code adjClose} (float, as in the stage-1 schema), {@code volume} (int64) and,
 * once {@link RollingFeatures} has run, {@code volMovingAvg} and {@code adjCloseRollingMed}
 * (double, with {@code NaN} standing for SQL null: the window is not full yet). Instances are
 * immutable: the arrays are never written after construction.
 */
@DefaultCoder(BarSeriesCoder.class)
public final class BarSeries implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String symbol;
  private final @Nullable String securityName;
  private final String source;
  final int[] days;
  final float[] open;
  final float[] high;
  final float[] low;
  final float[] close;
  final float[] adjClose;
  final long[] volume;
  final double @Nullable [] volMovingAvg;
  final double @Nullable [] adjCloseRollingMed;

  BarSeries(
      String symbol,
      @Nullable String securityName,
      String source,
      int[] days,
      float[] open,
      float[] high,
      float[] low,
      float[] close,
      float[] adjClose,
      long[] volume,
      double @Nullable [] volMovingAvg,
      double @Nullable [] adjCloseRollingMed) {
    this.symbol = checkArgumentNotNull(symbol, "symbol");
    this.securityName = securityName;
    this.source = checkArgumentNotNull(source, "source");
    int n = days.length;
    if (open.length != n
        || high.length != n
        || low.length != n
        || close.length != n
        || adjClose.length != n
        || volume.length != n
        || (volMovingAvg != null && volMovingAvg.length != n)
        || (adjCloseRollingMed != null && adjCloseRollingMed.length != n)
        || ((volMovingAvg == null) != (adjCloseRollingMed == null))) {
      throw new IllegalArgumentException("columns of " + symbol + " have different lengths");
    }
    this.days = days;
    this.open = open;
    this.high = high;
    this.low = low;
    this.close = close;
    this.adjClose = adjClose;
    this.volume = volume;
    this.volMovingAvg = volMovingAvg;
    this.adjCloseRollingMed = adjCloseRollingMed;
  }

  public static Builder builder(String symbol, @Nullable String securityName, String source) {
    return new Builder(symbol, securityName, source);
  }

  public String symbol() {
    return symbol;
  }

  public @Nullable String securityName() {
    return securityName;
  }

  /** Where the rows came from: a CSV path for raw input, a Parquet path when read back. */
  public String source() {
    return source;
  }

  public int size() {
    return days.length;
  }

  public boolean hasFeatures() {
    return volMovingAvg != null;
  }

  public int epochDay(int i) {
    return days[i];
  }

  public LocalDate date(int i) {
    return LocalDate.ofEpochDay(days[i]);
  }

  public float open(int i) {
    return open[i];
  }

  public float high(int i) {
    return high[i];
  }

  public float low(int i) {
    return low[i];
  }

  public float close(int i) {
    return close[i];
  }

  public float adjClose(int i) {
    return adjClose[i];
  }

  public long volume(int i) {
    return volume[i];
  }

  /** The 30-row mean volume at row {@code i}, or {@code null} while the window is not full. */
  public @Nullable Double volMovingAvg(int i) {
    return nullIfNaN(volMovingAvg, i);
  }

  /**
   * The 30-row median adjusted close at row {@code i}, or {@code null} while the window is not
   * full.
   */
  public @Nullable Double adjCloseRollingMed(int i) {
    return nullIfNaN(adjCloseRollingMed, i);
  }

  /**
   * A copy of the {@code vol_moving_avg} column with NaN for null, for consumers that read whole
   * columns without boxing.
   *
   * @throws IllegalStateException if the series has no feature columns
   */
  public double[] volMovingAvgColumn() {
    return featureColumn(volMovingAvg);
  }

  /** Like {@link #volMovingAvgColumn()}, for {@code adj_close_rolling_med}. */
  public double[] adjCloseRollingMedColumn() {
    return featureColumn(adjCloseRollingMed);
  }

  private double[] featureColumn(double @Nullable [] column) {
    if (column == null) {
      throw new IllegalStateException(symbol + " has no feature columns (a stage-1 series)");
    }
    return column.clone();
  }

  private static @Nullable Double nullIfNaN(double @Nullable [] column, int i) {
    if (column == null) {
      return null;
    }
    double v = column[i];
    return Double.isNaN(v) ? null : v;
  }

  /** The same rows under another symbol and name (the metadata join). */
  public BarSeries withIdentity(String newSymbol, @Nullable String newSecurityName) {
    return new BarSeries(
        newSymbol,
        newSecurityName,
        source,
        days,
        open,
        high,
        low,
        close,
        adjClose,
        volume,
        volMovingAvg,
        adjCloseRollingMed);
  }

  /** The same rows with the two feature columns set (NaN = null). */
  public BarSeries withFeatures(double[] newVolMovingAvg, double[] newAdjCloseRollingMed) {
    return new BarSeries(
        symbol,
        securityName,
        source,
        days,
        open,
        high,
        low,
        close,
        adjClose,
        volume,
        newVolMovingAvg,
        newAdjCloseRollingMed);
  }

  /**
   * The rows at {@code index}, in that order (a sort or a filter). Feature columns follow along.
   */
  public BarSeries select(int[] index) {
    int n = index.length;
    int[] d = new int[n];
    float[] o = new float[n];
    float[] h = new float[n];
    float[] l = new float[n];
    float[] c = new float[n];
    float[] ac = new float[n];
    long[] v = new long[n];
    double[] vma = volMovingAvg == null ? null : new double[n];
    double[] med = adjCloseRollingMed == null ? null : new double[n];
    for (int k = 0; k < n; k++) {
      int i = index[k];
      d[k] = days[i];
      o[k] = open[i];
      h[k] = high[i];
      l[k] = low[i];
      c[k] = close[i];
      ac[k] = adjClose[i];
      v[k] = volume[i];
      if (vma != null) {
        vma[k] = volMovingAvg[i];
        med[k] = adjCloseRollingMed[i];
      }
    }
    return new BarSeries(symbol, securityName, source, d, o, h, l, c, ac, v, vma, med);
  }

  /**
   * Concatenates pieces of one symbol (raw columns only) under the first piece's identity, in the
   * order given. Used to reassemble a symbol whose rows arrive in several elements.
   */
  public static BarSeries concat(java.util.List<BarSeries> pieces) {
    if (pieces.isEmpty()) {
      throw new IllegalArgumentException("pieces must not be empty");
    }
    BarSeries first = pieces.get(0);
    if (pieces.size() == 1) {
      return first;
    }
    Builder b = builder(first.symbol, first.securityName, first.source);
    for (BarSeries p : pieces) {
      for (int i = 0; i < p.size(); i++) {
        b.add(p.days[i], p.open[i], p.high[i], p.low[i], p.close[i], p.adjClose[i], p.volume[i]);
      }
    }
    return b.build();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof BarSeries)) {
      return false;
    }
    BarSeries that = (BarSeries) o;
    return symbol.equals(that.symbol)
        && Objects.equals(securityName, that.securityName)
        && source.equals(that.source)
        && Arrays.equals(days, that.days)
        && Arrays.equals(open, that.open)
        && Arrays.equals(high, that.high)
        && Arrays.equals(low, that.low)
        && Arrays.equals(close, that.close)
        && Arrays.equals(adjClose, that.adjClose)
        && Arrays.equals(volume, that.volume)
        && Arrays.equals(volMovingAvg, that.volMovingAvg)
        && Arrays.equals(adjCloseRollingMed, that.adjCloseRollingMed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(symbol, source, Arrays.hashCode(days), Arrays.hashCode(volume));
  }

  @Override
  public String toString() {
    StringBuilder s =
        new StringBuilder("BarSeries{")
            .append(symbol)
            .append(", ")
            .append(securityName)
            .append(", ")
            .append(source)
            .append(", rows=")
            .append(size());
    for (int i = 0; i < Math.min(size(), 3); i++) {
      s.append(", ").append(date(i)).append(':').append(adjClose[i]).append('/').append(volume[i]);
    }
    return s.append(size() > 3 ? ", ...}" : "}").toString();
  }

  /**
   * Appends rows; grows its arrays as needed. Not thread-safe; build once, then {@link #build()}.
   */
  public static final class Builder {
    private final String symbol;
    private final @Nullable String securityName;
    private final String source;
    private int n;
    private int[] days = new int[64];
    private float[] open = new float[64];
    private float[] high = new float[64];
    private float[] low = new float[64];
    private float[] close = new float[64];
    private float[] adjClose = new float[64];
    private long[] volume = new long[64];

    private Builder(String symbol, @Nullable String securityName, String source) {
      this.symbol = symbol;
      this.securityName = securityName;
      this.source = source;
    }

    public Builder add(int epochDay, float o, float h, float l, float c, float ac, long v) {
      if (n == days.length) {
        int cap = n * 2;
        days = Arrays.copyOf(days, cap);
        open = Arrays.copyOf(open, cap);
        high = Arrays.copyOf(high, cap);
        low = Arrays.copyOf(low, cap);
        close = Arrays.copyOf(close, cap);
        adjClose = Arrays.copyOf(adjClose, cap);
        volume = Arrays.copyOf(volume, cap);
      }
      days[n] = epochDay;
      open[n] = o;
      high[n] = h;
      low[n] = l;
      close[n] = c;
      adjClose[n] = ac;
      volume[n] = v;
      n++;
      return this;
    }

    public Builder add(LocalDate date, float o, float h, float l, float c, float ac, long v) {
      return add((int) date.toEpochDay(), o, h, l, c, ac, v);
    }

    public int size() {
      return n;
    }

    public BarSeries build() {
      return new BarSeries(
          symbol,
          securityName,
          source,
          Arrays.copyOf(days, n),
          Arrays.copyOf(open, n),
          Arrays.copyOf(high, n),
          Arrays.copyOf(low, n),
          Arrays.copyOf(close, n),
          Arrays.copyOf(adjClose, n),
          Arrays.copyOf(volume, n),
          null,
          null);
    }
  }
}
