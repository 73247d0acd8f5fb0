/**
 * What serving needs, and nothing else: the feature contract ({@link
 * dev.strata.model.FeatureSpec}), the {@code model.bin} format ({@link
 * dev.strata.model.VolumeModel} with its {@link dev.strata.model.Scaling}) and the predictor
 * ({@link dev.strata.model.VolumePredictor}). The API depends on this package only; training lives
 * in {@link dev.strata.model.train}, which this package never imports.
 */
package dev.strata.model;
