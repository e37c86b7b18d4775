import json

from quant.log import get_logger, log_context, setup_logging


def test_json_lines_carry_bound_context(tmp_path):
    setup_logging(tmp_path / "logs", "INFO")
    log = get_logger("quant.test")
    with log_context(run_id="r-1", strategy="sma_crossover", symbol="SPX"):
        log.info("decided", target=3)
    lines = (tmp_path / "logs" / "quant.jsonl").read_text().splitlines()
    rec = json.loads(lines[-1])
    assert rec["event"] == "decided"
    assert (rec["run_id"], rec["strategy"], rec["symbol"], rec["target"]) == (
        "r-1",
        "sma_crossover",
        "SPX",
        3,
    )
    assert rec["level"] == "info"
