"""Helpers shared by the iris stages: settings from the environment, logging, atomic writes.

Every stage writes only under DATA_DIR (and the system temporary directory), so the image can run
as any non-root user with a read-only root file system, as long as DATA_DIR is writable.
"""
import logging
import os
import sys
import tempfile
from pathlib import Path


def setup_logging(name):
    """One line per event on stdout (container logs), timestamped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    return logging.getLogger(name)


def data_dir():
    """DATA_DIR, default /data: the volume the stages share."""
    return Path(os.environ.get("DATA_DIR") or "/data")


def splits_dir():
    return data_dir() / "splits"


def model_dir():
    return data_dir() / "model"


def env_number(name, default, kind=float, low=None, high=None):
    """A number from the environment; exits with a one-line message when it is not valid."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a valid {kind.__name__}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise SystemExit(f"{name}={raw} is outside [{low}, {high}]")
    return value


def write_atomically(path, data):
    """Writes bytes or text to path through a temporary file in the same directory, then a rename:
    a reader (another stage, or serve) sees the old file or the new one, never half of one."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except PermissionError:
        raise SystemExit(
            f"cannot write under {path.parent}: permission denied for uid {os.getuid()} gid {os.getgid()}. "
            f"DATA_DIR ({data_dir()}) must be writable by this user: own the volume's directory in the image "
            f"(named volumes copy it), or set fsGroup on Kubernetes"
        )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class MissingInput(Exception):
    """An input an earlier stage should have written is not there (the stages exit 2 on it)."""


def require(path, producer):
    if not path.is_file():
        raise MissingInput(f"{path} does not exist: run {producer} first (with the same DATA_DIR)")
    return path


def read_split(name):
    """Reads splits/<name>.csv (written by preprocess.py): features X and integer targets y."""
    import numpy as np

    path = require(splits_dir() / f"{name}.csv", "preprocess.py")
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return table[:, :-1], table[:, -1].astype(int)
