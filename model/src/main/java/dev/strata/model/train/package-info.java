/**
 * Training the volume model: examples without target leakage, the split by date, the spill to disk,
 * the epoch loop, evaluation against the naive and random-forest baselines, and the artifacts
 * ({@code metrics.json}, {@code loss.csv}, {@code loss.png}, {@code training.log}). Entry point:
 * {@link dev.strata.model.train.TrainVolumeModel#run}. Never in the API jar: the random forest is
 * GPL-3.0 Smile.
 */
package dev.strata.model.train;
