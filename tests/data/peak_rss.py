"""Peak resident memory of a child process, sampled while it runs (tests and benchmarks)."""

import contextlib
import subprocess
import tempfile
import time
from pathlib import Path

import psutil

from quant.data.ingest_budget import vm_hwm


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


def run_with_peak_hwm(cmd: list[str], env: dict[str, str]) -> tuple[int, int, str, str]:
    """Run ``cmd`` to the end; return (the highest ``VmHWM`` -- the kernel's high-water RSS of
    its own address space -- read while it ran, in bytes; exit code; stdout; stderr).

    ``VmHWM`` is monotonic, so sampling it misses only growth in the last interval (exit).
    ``wait4``'s ``ru_maxrss`` is not used: it includes the spawning parent's high-water mark.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out.open("wb") as fo, err.open("wb") as fe:
            proc = subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe)
            peak, started = 0, False
            while proc.poll() is None:
                with contextlib.suppress(psutil.Error):  # before exec: the parent's memory
                    started = started or psutil.Process(proc.pid).cmdline()[-len(cmd) :] == cmd
                if started:  # an exited (zombie) process has no VmHWM: None
                    peak = max(peak, vm_hwm(proc.pid) or 0)
                time.sleep(0.005)
        return peak, proc.returncode, out.read_text(), err.read_text()
