package dev.strata.transforms.market;

/** Why a market CSV row was rejected. The code is what the dead-letter files and manifests show. */
public enum BarRejection {
  /** A required column is missing from the file's header; every row of the file is rejected. */
  MISSING_COLUMN("missing_column"),
  /** The row has more or fewer fields than the header. */
  WRONG_FIELD_COUNT("wrong_field_count"),
  /** A required value is empty ({@code 2001-09-12,,,,,,}). */
  EMPTY_VALUE("empty_value"),
  /** {@code Date} is not a valid {@code YYYY-MM-DD} date. */
  UNPARSEABLE_DATE("unparseable_date"),
  /** A price or the volume is not a finite number. */
  UNPARSEABLE_NUMBER("unparseable_number"),
  /** {@code Volume} has a fractional part ({@code 806400.5}); {@code 806400.0} is accepted. */
  NON_INTEGRAL_VOLUME("non_integral_volume"),
  /** {@code Volume} is below zero. */
  NEGATIVE_VOLUME("negative_volume"),
  /**
   * {@code Volume} is above {@link BarRowRules#MAX_VOLUME} (10^15 shares, five orders of magnitude
   * above any real day): the rolling mean sums a window's volumes exactly in an int64, which such
   * values would overflow.
   */
  VOLUME_OUT_OF_RANGE("volume_out_of_range"),
  /** A second complete row for a date the symbol already has; the first complete row is kept. */
  DUPLICATE_DATE("duplicate_date");

  private final String code;

  BarRejection(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
