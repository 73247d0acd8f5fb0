package dev.strata.transforms.sensors;

import java.util.List;

/**
 * The twelve signals of a run, in the wide table's column order: {@code fx_1, fx_2, fy_1, fy_2,
 * fz_1, fz_2, x_1, x_2, y_1, y_2, z_1, z_2}. Forces come from the {@code load_cell} (N), positions
 * from the {@code encoder} (mm); the suffix is the robot id.
 */
public enum Signal {
  FX_1("fx", 1),
  FX_2("fx", 2),
  FY_1("fy", 1),
  FY_2("fy", 2),
  FZ_1("fz", 1),
  FZ_2("fz", 2),
  X_1("x", 1),
  X_2("x", 2),
  Y_1("y", 1),
  Y_2("y", 2),
  Z_1("z", 1),
  Z_2("z", 2);

  public static final String ENCODER = "encoder";
  public static final String LOAD_CELL = "load_cell";
  public static final List<Signal> ALL = List.of(values());

  private final String field;
  private final int robot;

  Signal(String field, int robot) {
    this.field = field;
    this.robot = robot;
  }

  /** The long format's {@code field}: {@code fx, fy, fz, x, y, z}. */
  public String field() {
    return field;
  }

  /** 1 or 2. */
  public int robot() {
    return robot;
  }

  /** The wide table's column name, e.g. {@code fx_1}. */
  public String column() {
    return field + "_" + robot;
  }

  public boolean isForce() {
    return field.startsWith("f");
  }

  /** {@code load_cell} for forces, {@code encoder} for positions. */
  public String sensorType() {
    return isForce() ? LOAD_CELL : ENCODER;
  }

  /** The sensor type a field belongs to, or null for an unknown field. */
  public static String sensorTypeOf(String field) {
    return switch (field) {
      case "fx", "fy", "fz" -> LOAD_CELL;
      case "x", "y", "z" -> ENCODER;
      default -> null;
    };
  }

  /** The signal of a field and robot (both already validated). */
  public static Signal of(String field, int robot) {
    int axis =
        switch (field) {
          case "fx" -> 0;
          case "fy" -> 1;
          case "fz" -> 2;
          case "x" -> 3;
          case "y" -> 4;
          case "z" -> 5;
          default -> throw new IllegalArgumentException("unknown field " + field);
        };
    return values()[axis * 2 + robot - 1];
  }

  /** The signal for robot {@code robot} (1 or 2) and axis 0..2 of positions or forces. */
  public static Signal of(boolean force, int axis, int robot) {
    return values()[((force ? 0 : 3) + axis) * 2 + robot - 1];
  }
}
