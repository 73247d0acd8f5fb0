package dev.strata.model.train;

import dev.strata.model.FeatureSpec;
import java.util.stream.LongStream;
import smile.data.DataFrame;
import smile.data.Tuple;
import smile.data.formula.Formula;
import smile.data.type.StructType;
import smile.regression.RandomForest;

/**
 * The comparison model the original solutions used: a random forest regressor on the raw features
 * and raw {@code Volume}, here Smile's ({@code smile-core} 3.1.1) with 100 trees, both features
 * tried at every split (scikit-learn's regression default), depth ≤ 20, leaves of ≥ 5 rows,
 * bootstrap samples, seeded per tree. Trained on a uniform sample of the training split.
 */
final class ForestBaseline {
  private final RandomForest forest;
  private final StructType schema;

  private ForestBaseline(RandomForest forest, StructType schema) {
    this.forest = forest;
    this.schema = schema;
  }

  static ForestBaseline fit(double[][] rows, int trees, long seed) {
    DataFrame data =
        DataFrame.of(
            rows,
            FeatureSpec.VOL_MOVING_AVG,
            FeatureSpec.ADJ_CLOSE_ROLLING_MED,
            FeatureSpec.TARGET);
    int n = rows.length;
    RandomForest forest =
        RandomForest.fit(
            Formula.lhs(FeatureSpec.TARGET),
            data,
            trees,
            FeatureSpec.SIZE,
            20,
            Math.max(2, n / 5),
            5,
            1.0,
            LongStream.range(0, trees).map(i -> seed * 1_000_003L + i));
    return new ForestBaseline(forest, data.schema());
  }

  double predict(double volMovingAvg, double adjCloseRollingMed) {
    return forest.predict(Tuple.of(new double[] {volMovingAvg, adjCloseRollingMed, 0}, schema));
  }
}
