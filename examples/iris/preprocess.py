"""Stage 1 of the iris example: split scikit-learn's bundled iris data set into train and test CSVs.

Nothing is downloaded (the data set ships with scikit-learn). Writes, under DATA_DIR:
  splits/train.csv, splits/test.csv   four feature columns, then "target" (class index)
  splits/dataset.json                 feature and class names, row counts, seed

Environment: DATA_DIR (default /data), TEST_SIZE (default 0.3), SEED (default 42).
"""
import json
import sys

from common import env_number, setup_logging, splits_dir, write_atomically

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def to_csv(x, y):
    lines = [",".join(FEATURES + ["target"])]
    lines += [",".join(repr(float(v)) for v in row) + f",{int(label)}" for row, label in zip(x, y)]
    return "\n".join(lines) + "\n"


def main():
    log = setup_logging("preprocess")
    test_size = env_number("TEST_SIZE", 0.3, float, 0.05, 0.95)
    seed = env_number("SEED", 42, int, 0)

    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=test_size, random_state=seed, stratify=iris.target
    )
    out = splits_dir()
    write_atomically(out / "train.csv", to_csv(x_train, y_train))
    write_atomically(out / "test.csv", to_csv(x_test, y_test))
    meta = {
        "dataset": "iris (sklearn.datasets.load_iris)",
        "feature_names": FEATURES,
        "class_names": [str(c) for c in iris.target_names],
        "train_rows": int(len(y_train)),
        "test_rows": int(len(y_test)),
        "test_size": test_size,
        "seed": seed,
    }
    write_atomically(out / "dataset.json", json.dumps(meta, indent=2) + "\n")
    log.info("wrote %d train and %d test rows (seed %d, test_size %.2f) to %s", len(y_train), len(y_test), seed, test_size, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
