#!/usr/bin/python3
"""The sensors job as a pandas user would write it: the peer of bench/sensors.sh.

    /usr/bin/python3 bench/peers/sensors_pandas.py READINGS.csv OUT_DIR

Debian's python3-pandas (1.5) and numpy; no pyarrow, so it reads the CSV and writes CSV. The same
work as strata's `sensors` job on clean input: parse the long-format readings, drop rows without a
time or value and exact duplicates, then per run: one column per signal (`x_1` … `fz_2`), each
signal interpolated onto a 10 ms grid over the span where all of the run's signals overlap, grid
points where a signal's two readings around it are more than 5 x its median sampling interval apart
dropped, velocities and accelerations of the positions (numpy.gradient), speed, acceleration and
force magnitudes per robot, path length per robot; one CSV per run and one row of statistics per
run in run_stats.csv. Prints one line: runs, readings in, grid rows out.
"""
import os
import sys

import numpy as np
import pandas as pd

STEP_NS = 10_000_000  # 10 ms
AXES = ["x", "y", "z"]


def align(run):
    """One run's readings (time_ns, signal, value) -> the wide table on the 10 ms grid."""
    signals = {name: g.sort_values("time_ns") for name, g in run.groupby("signal")}
    start = max(int(g["time_ns"].iloc[0]) for g in signals.values())
    end = min(int(g["time_ns"].iloc[-1]) for g in signals.values())
    first = -(-start // STEP_NS) * STEP_NS
    grid = np.arange(first, end + 1, STEP_NS, dtype=np.int64)
    table = pd.DataFrame({"time_ns": grid})
    keep = np.ones(len(grid), dtype=bool)
    for name, g in signals.items():
        t = g["time_ns"].to_numpy()
        v = g["value"].to_numpy()
        table[name] = np.interp(grid, t, v)
        if len(t) > 1:
            right = np.clip(np.searchsorted(t, grid, side="left"), 1, len(t) - 1)
            gap = t[right] - t[right - 1]
            keep &= gap <= 5 * np.median(np.diff(t))
    table = table[keep].reset_index(drop=True)
    h = STEP_NS / 1e9
    for robot in (1, 2):
        pos = [f"{a}_{robot}" for a in AXES]
        if all(c in table for c in pos):
            for a in AXES:
                table[f"v{a}_{robot}"] = np.gradient(table[f"{a}_{robot}"], h)
                table[f"a{a}_{robot}"] = np.gradient(table[f"v{a}_{robot}"], h)
            table[f"v{robot}"] = np.sqrt(sum(table[f"v{a}_{robot}"] ** 2 for a in AXES))
            table[f"a{robot}"] = np.sqrt(sum(table[f"a{a}_{robot}"] ** 2 for a in AXES))
        force = [f"f{a}_{robot}" for a in AXES]
        if all(c in table for c in force):
            table[f"f{robot}"] = np.sqrt(sum(table[c] ** 2 for c in force))
    return table


def stats(run_uuid, readings, table):
    row = {"run_uuid": run_uuid, "readings": len(readings), "grid_rows": len(table)}
    if len(table):
        row["start"] = pd.to_datetime(table["time_ns"].iloc[0], utc=True)
        row["end"] = pd.to_datetime(table["time_ns"].iloc[-1], utc=True)
        row["runtime_s"] = (table["time_ns"].iloc[-1] - table["time_ns"].iloc[0]) / 1e9
    total = 0.0
    for robot in (1, 2):
        pos = [f"{a}_{robot}" for a in AXES]
        if all(c in table for c in pos):
            d = float(np.sqrt((table[pos].diff() ** 2).sum(axis=1)).sum())
            row[f"distance_{robot}_mm"] = d
            total += d
        if f"v{robot}" in table:
            row[f"max_v{robot}"] = table[f"v{robot}"].max()
            row[f"mean_v{robot}"] = table[f"v{robot}"].mean()
        if f"f{robot}" in table:
            row[f"max_f{robot}"] = table[f"f{robot}"].max()
    row["total_distance_mm"] = total
    for name, g in readings.groupby("signal"):
        row[f"samples_{name}"] = len(g)
    return row


def main(src, out):
    os.makedirs(out, exist_ok=True)
    df = pd.read_csv(
        src,
        usecols=["time", "value", "field", "robot_id", "run_uuid", "sensor_type"],
        dtype={"run_uuid": str, "field": str, "sensor_type": str},
    )
    n_in = len(df)
    df = df.dropna(subset=["time", "value", "field", "robot_id", "run_uuid"]).drop_duplicates()
    df["time_ns"] = pd.to_datetime(df["time"], utc=True).astype("int64")
    df["signal"] = df["field"] + "_" + df["robot_id"].astype(int).astype(str)
    rows = []
    grid_rows = 0
    for run_uuid, readings in df.groupby("run_uuid"):
        table = align(readings)
        grid_rows += len(table)
        table.insert(0, "time", pd.to_datetime(table.pop("time_ns"), utc=True))
        table.to_csv(os.path.join(out, f"run_{run_uuid}.csv"), index=False)
        rows.append(stats(run_uuid, readings, table.assign(time_ns=table["time"].astype("int64"))))
    pd.DataFrame(rows).to_csv(os.path.join(out, "run_stats.csv"), index=False)
    print(f"pandas {pd.__version__}: {len(rows)} runs, {n_in} readings in, {grid_rows} grid rows out")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: sensors_pandas.py READINGS.csv OUT_DIR")
    main(sys.argv[1], sys.argv[2])
