"""Peak resident memory of a child process, sampled while it runs (tests and benchmarks)."""

import os
import subprocess
import sys
import time
from pathlib import Path

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


def run_with_exact_peak_rss(
    cmd: list[str], env: dict[str, str], workdir: Path
) -> tuple[int, int, str, str]:
    """Run ``cmd`` to the end; return (its high-water RSS in bytes as the kernel counted it,
    exit code, stdout, stderr). Output goes through files in ``workdir``."""
    out, err = workdir / "stdout.txt", workdir / "stderr.txt"
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return peak, proc.returncode, out.read_text(), err.read_text()
