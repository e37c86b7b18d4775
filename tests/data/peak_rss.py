"""Peak resident memory of a child process, sampled while it runs (tests and benchmarks)."""

import time

import psutil


def wait_with_peak_rss(proc: psutil.Popen, interval_s: float = 0.01) -> tuple[int, bytes, bytes]:
    """Wait for ``proc``; return (peak RSS in bytes, stdout, stderr)."""
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(interval_s)
    out, err = proc.communicate()
    return peak, out, err
