package dev.strata.pipelines.warehouse;

import dev.strata.pipelines.launcher.ContinuousOptions;
import dev.strata.pipelines.launcher.JobOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Options of the warehouse job ({@code strata warehouse ...}): the shared {@link JobOptions}
 * ({@code <output>} holds load/_manifest.json, _rejected/load/ and, by default, the embedded
 * PostgreSQL's data in pgdata/; it defaults to out/warehouse), the database and the backfill.
 */
public interface WarehouseOptions extends JobOptions, ContinuousOptions {
  @Description("Directory of Parquet files to load (names may contain spaces and colons).")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description(
      "PostgreSQL to load into, e.g. jdbc:postgresql://host:5432/db. Without it an embedded"
          + " PostgreSQL is started with its data under --pgData.")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("Database user.")
  @Default.String("postgres")
  String getUser();

  void setUser(String value);

  @Description("Database password (never logged); or set PGPASSWORD.")
  String getPassword();

  void setPassword(String value);

  @Description("Target table, schema.table; created if missing with its ledger.")
  @Default.String("dwh.data_sample")
  String getTable();

  void setTable(String value);

  @Description("Data directory of the embedded PostgreSQL (default <output>/pgdata).")
  String getPgData();

  void setPgData(String value);

  @Description("Leave the embedded PostgreSQL running after the load and print its URL.")
  @Default.Boolean(false)
  boolean getKeepRunning();

  void setKeepRunning(boolean value);

  @Description(
      "Backfill: forget and reload every file that loaded rows with create_at from this time"
          + " (inclusive, ISO local time, e.g. 2023-01-02T00:00) to --replaceTo (exclusive).")
  String getReplaceFrom();

  void setReplaceFrom(String value);

  @Description("End of the backfill range (exclusive), with --replaceFrom.")
  String getReplaceTo();

  void setReplaceTo(String value);

  @Description(
      "Create (if missing) a least-privilege role that can only SELECT and INSERT in the table's"
          + " schema, using this run's (admin) connection. Without it the SQL is only printed.")
  String getRole();

  void setRole(String value);

  @Description("Password of --role (never logged).")
  String getRolePassword();

  void setRolePassword(String value);
}
