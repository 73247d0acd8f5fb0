package dev.strata.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/** Batches as DJL arrays. */
final class Tensors {
  private Tensors() {}

  /**
   * The first {@code rows · columns} values of a reused buffer as a {@code (rows, columns)} matrix
   * (the buffer itself when it is exactly that long).
   */
  static NDArray matrix(NDManager manager, float[] buffer, int rows, int columns) {
    int n = rows * columns;
    float[] values = n == buffer.length ? buffer : Arrays.copyOf(buffer, n);
    return manager.create(values, new Shape(rows, columns));
  }
}
