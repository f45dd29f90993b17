"""Stage 3 of the iris example: score the trained model on splits/test.csv.

Writes DATA_DIR/metrics.json (accuracy, per-class recall, confusion matrix, threshold, passed).
Exit status: 0 when accuracy >= MIN_ACCURACY, 1 when below it, 2 when an input is missing.

Environment: DATA_DIR (default /data), MIN_ACCURACY (default 0.8).
"""
import json
import sys

from common import MissingInput, data_dir, env_number, model_dir, read_split, require, setup_logging, write_atomically


def main():
    log = setup_logging("evaluate")
    threshold = env_number("MIN_ACCURACY", 0.8, float, 0.0, 1.0)

    import joblib
    from sklearn.metrics import accuracy_score, confusion_matrix, recall_score

    try:
        model_path = require(model_dir() / "model.joblib", "train.py")
        meta = json.loads(require(model_dir() / "model.json", "train.py").read_text(encoding="utf-8"))
        x, y = read_split("test")
    except MissingInput as e:
        log.error("%s", e)
        return 2
    model = joblib.load(model_path)
    predicted = model.predict(x)
    accuracy = float(accuracy_score(y, predicted))
    labels = list(range(len(meta["class_names"])))
    recall = recall_score(y, predicted, labels=labels, average=None, zero_division=0)
    passed = accuracy >= threshold
    metrics = {
        "accuracy": round(accuracy, 4),
        "min_accuracy": threshold,
        "passed": passed,
        "test_rows": int(len(y)),
        "recall": {name: round(float(r), 4) for name, r in zip(meta["class_names"], recall)},
        "confusion_matrix": confusion_matrix(y, predicted, labels=labels).tolist(),
        "class_names": meta["class_names"],
        "model_sha256": meta.get("sha256"),
    }
    write_atomically(data_dir() / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    log.info("accuracy %.4f on %d test rows (minimum %.2f): %s; wrote %s", accuracy, len(y), threshold,
             "passed" if passed else "FAILED", data_dir() / "metrics.json")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
