# mlready stage supervisor (PID 1 of every stage container). Runs the stage command given as
# arguments, forwards SIGTERM/SIGINT/SIGHUP/SIGUSR1/SIGUSR2 to it and exits with its status.
# Ordering without API access: MLREADY_WAIT_FOR lists marker files (separated by ':') to wait for
# before starting; MLREADY_DONE names the marker written when the command succeeded.
# "--wait-only" waits for the markers and exits (Kubernetes init containers).
import os
import signal
import subprocess
import sys
import time

WAITING = "/tmp/mlready-waiting"


def wait_for_markers():
    markers = [m for m in os.environ.get("MLREADY_WAIT_FOR", "").split(":") if m]
    if not markers:
        return
    timeout = float(os.environ.get("MLREADY_WAIT_TIMEOUT", "86400"))
    deadline = time.monotonic() + timeout
    try:
        open(WAITING, "w").close()
    except OSError:
        pass
    try:
        for marker in markers:
            announced = False
            while not os.path.exists(marker):
                if not announced:
                    print("mlready: waiting for " + marker, file=sys.stderr, flush=True)
                    announced = True
                if time.monotonic() > deadline:
                    print("mlready: gave up waiting for " + marker, file=sys.stderr, flush=True)
                    sys.exit(75)
                time.sleep(2)
    finally:
        try:
            os.unlink(WAITING)
        except OSError:
            pass


def write_marker(path):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + "\n")
    os.replace(tmp, path)


def main(argv):
    forwarded = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
    for sig in forwarded:
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    wait_for_markers()
    if argv[:1] == ["--wait-only"]:
        return 0
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("mlready: no command to run", file=sys.stderr)
        return 64
    done = os.environ.get("MLREADY_DONE", "")
    if done and os.path.exists(done):
        os.unlink(done)
    try:
        child = subprocess.Popen(argv)
    except OSError as e:
        print("mlready: cannot run " + argv[0] + ": " + str(e), file=sys.stderr)
        return 127

    def forward(signum, frame):
        child.send_signal(signum)

    for sig in forwarded:
        signal.signal(sig, forward)
    while True:
        try:
            code = child.wait()
            break
        except InterruptedError:
            continue
    if code == 0 and done:
        write_marker(done)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
