"""The peer of bench/api.sh: how the original solutions served the volume model.

A scikit-learn RandomForestRegressor (defaults: 100 trees, unlimited depth) trained on a 1 % sample
of the feature rows (the sample is drawn by ExportFeatures.java), pickled, and served by Flask
behind gunicorn:

    /usr/bin/python3 sklearn_peer.py train FEATURES.csv MODEL.pkl
    PEER_MODEL=MODEL.pkl gunicorn -w 2 -b 127.0.0.1:18081 sklearn_peer:app

FEATURES.csv has the columns vol_moving_avg, adj_close_rolling_med, Volume (bench/api.sh exports
them from our feature Parquet with DuckDB). Debian packages: python3-sklearn python3-flask gunicorn.
"""
import os
import pickle
import sys

import numpy as np


def train(csv_path, model_path):
    from sklearn.ensemble import RandomForestRegressor

    data = np.genfromtxt(csv_path, delimiter=",", skip_header=1)
    data = data[~np.isnan(data).any(axis=1)]
    model = RandomForestRegressor(random_state=0, n_jobs=2)
    model.fit(data[:, :2], data[:, 2])
    model.n_jobs = 1  # serve single-threaded, one request per gunicorn worker
    with open(model_path, "wb") as f:
        pickle.dump(model, f)
    print(f"trained on {len(data):,} rows -> {os.path.getsize(model_path):,} bytes")


app = None
if os.environ.get("PEER_MODEL"):
    from flask import Flask, jsonify, request

    with open(os.environ["PEER_MODEL"], "rb") as f:
        _model = pickle.load(f)
    app = Flask(__name__)

    @app.get("/predict")
    def predict():
        v = float(request.args["vol_moving_avg"])
        m = float(request.args["adj_close_rolling_med"])
        return jsonify(volume=int(_model.predict([[v, m]])[0]))


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "train":
    train(sys.argv[2], sys.argv[3])
