"""Models: Kalman anomaly detector vs the rolling z-score (precision/recall on labelled
synthetic data, flags on the shipped S&P 500 bars) and the drift checks' reaction (delay to a
step change, false-alarm rate on stationary data). Prints tables; asserts only that the
detector keeps beating its peer."""

from __future__ import annotations

import numpy as np

from quant.models.anomalies import KNOWN_EVENTS, detect
from quant.models.anomaly_eval import compare, zscore_flags
from quant.models.drift import reaction_table
from tests.models.pair_fixture import arch_bars


def _table(rows: list[dict]) -> None:
    head = list(rows[0])
    print(" | ".join(f"{h:>16}" for h in head))
    for r in rows:
        print(" | ".join(f"{r.get(h, ''):>16}" for h in head))


def test_anomaly_precision_recall_vs_zscore_and_sp500_flags() -> None:
    rows = compare(range(10))
    print("\nanomalies on labelled synthetic data (10 seeds x 4000 bars, 40 spikes each,")
    print("8 level shifts and 8 volatility regime changes that are not anomalies), k = 4:")
    _table(rows)
    kal, zs = rows
    print(f"false positives: kalman {kal['fp']} vs zscore {zs['fp']} "
          f"(ratio {zs['fp'] / max(kal['fp'], 1):.1f}x fewer)")  # fmt: skip
    assert kal["recall"] >= zs["recall"] and kal["fp"] < zs["fp"]

    spx = arch_bars("SPX")
    flagged = detect(spx)
    no_override = detect(spx, events=())
    zflags = zscore_flags(np.log(spx.sort("ts")["close"].to_numpy()))
    print(f"\nS&P 500 daily bars ({spx.height}, 1999-2018): kalman flags {flagged['flag'].sum()} "
          f"(without the {len(KNOWN_EVENTS)} known events: {no_override['flag'].sum()}), "
          f"rolling z-score flags {int(zflags.sum())}")  # fmt: skip
    for r in flagged.filter(flagged["flag"]).iter_rows(named=True):
        print(f"  {r['ts']:%Y-%m-%d} close {r['close']:.2f} band [{r['band_lo']:.2f}, "
              f"{r['band_hi']:.2f}] z {r['z']:.1f} confidence {r['confidence']:.2f}")  # fmt: skip


def test_drift_detection_delay_and_false_alarm_rate() -> None:
    print("\ndata drift: observations after a mean step until the first alarm (median of 20")
    print("seeded runs; training 500 obs, window 100, scanned 300 obs after the step) and the")
    print("false-alarm rate on stationary data (share of evaluation points that alarm):")
    rows = []
    for method, phi in (("ks", 0.0), ("psi", 0.0), ("ks", 0.8)):
        rows += reaction_table(seeds=range(20), method=method, phi=phi)
    cols = ("check", "phi", "step_sd", "median_delay_obs", "missed", "false_alarm_rate", "runs")
    for r in rows:
        if "false_alarm_rate" in r:
            r["false_alarm_rate"] = round(float(r["false_alarm_rate"]), 4)
    _table([{k: r.get(k, "") for k in cols} for r in rows])
