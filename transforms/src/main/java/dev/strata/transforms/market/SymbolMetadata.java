package dev.strata.transforms.market;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One row of {@code symbols_valid_meta.csv} as the market job needs it: the price file's name
 * ({@code NASDAQ Symbol}, e.g. {@code AGM-A}), the output {@code Symbol} ({@code AGM$A}) and the
 * {@code Security Name}, trimmed (96 real names carry stray spaces).
 */
@DefaultCoder(SymbolMetadata.MetadataCoder.class)
public final class SymbolMetadata implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String nasdaqSymbol;
  private final String symbol;
  private final @Nullable String securityName;

  public SymbolMetadata(String nasdaqSymbol, String symbol, @Nullable String securityName) {
    this.nasdaqSymbol = nasdaqSymbol;
    this.symbol = symbol;
    this.securityName = securityName;
  }

  public String nasdaqSymbol() {
    return nasdaqSymbol;
  }

  public String symbol() {
    return symbol;
  }

  public @Nullable String securityName() {
    return securityName;
  }

  /**
   * Parses the whole metadata file (RFC 4180: quoted fields with commas and doubled quotes, CRLF or
   * LF). Columns are found by header name: {@code Symbol}, {@code NASDAQ Symbol} (which names the
   * price files; a row where it is empty uses {@code Symbol}) and {@code Security Name}. Rows
   * without a symbol are skipped.
   *
   * @throws IllegalArgumentException if the file is empty, has no data row, or its header lacks
   *     {@code Symbol} or {@code NASDAQ Symbol}: no price file could be matched
   */
  public static List<SymbolMetadata> parseCsv(String content) {
    List<List<String>> rows = Csv.parse(content);
    if (rows.isEmpty() || rows.stream().allMatch(SymbolMetadata::isBlank)) {
      throw new IllegalArgumentException(
          "metadata is empty: it needs a header with 'Symbol', 'NASDAQ Symbol' and 'Security Name'"
              + " and a row per symbol");
    }
    List<String> header = rows.get(0);
    int symbolCol = indexOf(header, "Symbol");
    int nameCol = indexOf(header, "Security Name");
    int nasdaqCol = indexOf(header, "NASDAQ Symbol");
    for (String required : List.of("Symbol", "NASDAQ Symbol")) {
      if (indexOf(header, required) < 0) {
        throw new IllegalArgumentException(
            "metadata header has no '"
                + required
                + "' column (it names the price files and their symbols): "
                + abbreviate(String.join(",", header)));
      }
    }
    if (rows.size() < 2) {
      throw new IllegalArgumentException("metadata has a header but no rows");
    }
    List<SymbolMetadata> out = new ArrayList<>(rows.size());
    for (int r = 1; r < rows.size(); r++) {
      List<String> row = rows.get(r);
      String symbol = field(row, symbolCol);
      if (symbol == null || symbol.isEmpty()) {
        continue;
      }
      String nasdaq = nasdaqCol < 0 ? null : field(row, nasdaqCol);
      String name = nameCol < 0 ? null : field(row, nameCol);
      out.add(
          new SymbolMetadata(
              nasdaq == null || nasdaq.isEmpty() ? symbol : nasdaq,
              symbol,
              name == null || name.isEmpty() ? null : name));
    }
    return out;
  }

  private static boolean isBlank(List<String> row) {
    return row.stream().allMatch(String::isBlank);
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  private static int indexOf(List<String> header, String name) {
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).trim().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static @Nullable String field(List<String> row, int col) {
    return col < row.size() ? row.get(col).trim() : null;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof SymbolMetadata)) {
      return false;
    }
    SymbolMetadata that = (SymbolMetadata) o;
    return nasdaqSymbol.equals(that.nasdaqSymbol)
        && symbol.equals(that.symbol)
        && Objects.equals(securityName, that.securityName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nasdaqSymbol, symbol, securityName);
  }

  @Override
  public String toString() {
    return nasdaqSymbol + "->" + symbol + " (" + securityName + ")";
  }

  /** A minimal RFC 4180 reader; the metadata file is small (600 KB). */
  public static final class Csv {
    private Csv() {}

    public static List<List<String>> parse(String s) {
      List<List<String>> rows = new ArrayList<>();
      List<String> row = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      boolean fieldStarted = false;
      int i = s.startsWith("\uFEFF") ? 1 : 0;
      for (; i < s.length(); i++) {
        char c = s.charAt(i);
        if (quoted) {
          if (c == '"') {
            if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
              field.append('"');
              i++;
            } else {
              quoted = false;
            }
          } else {
            field.append(c);
          }
        } else if (c == '"') {
          quoted = true;
          fieldStarted = true;
        } else if (c == ',') {
          row.add(field.toString());
          field.setLength(0);
          fieldStarted = true;
        } else if (c == '\n' || c == '\r') {
          if (fieldStarted || field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
          }
          row = new ArrayList<>();
          field.setLength(0);
          fieldStarted = false;
          if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
            i++;
          }
        } else {
          field.append(c);
          fieldStarted = true;
        }
      }
      if (fieldStarted || field.length() > 0 || !row.isEmpty()) {
        row.add(field.toString());
        rows.add(row);
      }
      return rows;
    }
  }

  /** Three strings, the name nullable. */
  public static final class MetadataCoder extends CustomCoder<SymbolMetadata> {
    private static final long serialVersionUID = 1L;
    private static final MetadataCoder INSTANCE = new MetadataCoder();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final NullableCoder<String> NULLABLE = NullableCoder.of(STRING);

    public static MetadataCoder of() {
      return INSTANCE;
    }

    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(SymbolMetadata.class), INSTANCE);
    }

    @Override
    public void encode(SymbolMetadata m, OutputStream out) throws IOException {
      STRING.encode(m.nasdaqSymbol, out);
      STRING.encode(m.symbol, out);
      NULLABLE.encode(m.securityName, out);
    }

    @Override
    public SymbolMetadata decode(InputStream in) throws IOException {
      return new SymbolMetadata(STRING.decode(in), STRING.decode(in), NULLABLE.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
