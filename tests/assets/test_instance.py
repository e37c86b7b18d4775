"""The Dagster instance: SQLite files by default; with QUANT_DAGSTER_PG_URL, runs and events go
to a real Postgres server through dagster-postgres."""

import dagster as dg
import pytest
import sqlalchemy as sa

from assets.backtests.optimize import optimizations
from assets.dagster_home import PG_URL_ENV, ensure
from assets.store import StoreResource
from tests.backtest.bars_fixture import write_bars


def test_default_instance_yaml_keeps_embedded_storage_and_never_names_a_password(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(PG_URL_ENV, raising=False)
    assert "storage" not in (ensure(tmp_path / "a") / "dagster.yaml").read_text()

    monkeypatch.setenv(PG_URL_ENV, "postgresql://bot:s3cret@db/dagster")
    text = (ensure(tmp_path / "b") / "dagster.yaml").read_text()
    assert f"env: {PG_URL_ENV}" in text and "s3cret" not in text


def test_a_hand_written_storage_section_is_never_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv(PG_URL_ENV, "postgresql://db/dagster")
    mine = "storage:\n  sqlite:\n    base_dir: /srv/dagster\n"
    (tmp_path / "dagster.yaml").write_text(mine)
    text = (ensure(tmp_path) / "dagster.yaml").read_text()
    assert text.startswith(mine) and PG_URL_ENV not in text


@pytest.mark.postgres
def test_a_dagster_run_records_its_run_and_events_in_postgres(tmp_path, monkeypatch, postgres_url):
    # dagster-postgres runs on psycopg2; SQLAlchemy 2.1 reads plain postgresql:// as psycopg 3
    monkeypatch.setenv(PG_URL_ENV, postgres_url.replace("postgresql://", "postgresql+psycopg2://"))
    home = ensure(tmp_path / "dagster_home")
    lake = tmp_path / "lk"
    write_bars(lake, n=120, symbols=("SPX",))
    config = {"grid": ["fast=5:10:5", "slow=20:40:20"], "symbol": "SPX"}

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize(
            [optimizations],
            resources={"store": StoreResource(lake=str(lake))},
            run_config={"ops": {"optimizations": {"config": config}}},
            instance=instance,
        )
        assert result.success
        run_id = result.run_id

    with dg.DagsterInstance.from_config(str(home)) as reopened:  # a second process would see it
        record = reopened.get_run_record_by_id(run_id)
        assert record is not None and record.dagster_run.is_success
        events = reopened.get_records_for_run(run_id).records
        kinds = {
            e.event_log_entry.dagster_event_type
            for e in events
            if e.event_log_entry.is_dagster_event
        }
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in kinds
        assert reopened.get_latest_materialization_event(dg.AssetKey("optimizations")) is not None

    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:  # the rows are in the Postgres tables themselves
        runs = conn.execute(sa.text("SELECT count(*) FROM runs WHERE run_id = :r"), {"r": run_id})
        assert runs.scalar() == 1
        logged = conn.execute(
            sa.text("SELECT count(*) FROM event_logs WHERE run_id = :r"), {"r": run_id}
        )
        assert logged.scalar() > 5
    engine.dispose()
