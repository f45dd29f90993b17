"""Stage 2 of the iris example: fit a scaled logistic regression on splits/train.csv.

Writes, under DATA_DIR/model/ (each file through a temporary file and a rename):
  model.joblib   the fitted sklearn Pipeline (joblib, as sklearn recommends)
  model.json     metadata: class and feature names, versions, train accuracy, sha256 of model.joblib

Environment: DATA_DIR (default /data), C (inverse regularisation, default 1.0), MAX_ITER (default 1000).
Exit status: 0 on success, 2 when the splits are missing.
"""
import hashlib
import io
import json
import sys
import time

from common import MissingInput, env_number, model_dir, read_split, require, setup_logging, splits_dir, write_atomically


def main():
    log = setup_logging("train")
    c = env_number("C", 1.0, float, 1e-6)
    max_iter = env_number("MAX_ITER", 1000, int, 1)

    import joblib
    import numpy
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    try:
        x, y = read_split("train")
        dataset = json.loads(require(splits_dir() / "dataset.json", "preprocess.py").read_text(encoding="utf-8"))
    except MissingInput as e:
        log.error("%s", e)
        return 2
    started = time.monotonic()
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=max_iter))
    model.fit(x, y)
    train_accuracy = float(model.score(x, y))

    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    blob = buffer.getvalue()
    out = model_dir()
    write_atomically(out / "model.joblib", blob)
    meta = {
        "model": "StandardScaler + LogisticRegression",
        "params": {"C": c, "max_iter": max_iter},
        "feature_names": dataset["feature_names"],
        "class_names": dataset["class_names"],
        "train_rows": int(len(y)),
        "train_accuracy": round(train_accuracy, 4),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "sklearn": sklearn.__version__,
        "numpy": numpy.__version__,
        "python": sys.version.split()[0],
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    # The metadata last: when model.json names a sha256, model.joblib with that content is in place.
    write_atomically(out / "model.json", json.dumps(meta, indent=2) + "\n")
    log.info(
        "trained on %d rows in %.2f s: train accuracy %.3f; wrote %s (%d bytes) and model.json",
        len(y), time.monotonic() - started, train_accuracy, out / "model.joblib", len(blob),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
