"""Settings: one pydantic-settings model read from ``QUANT_*`` env vars and an optional TOML file.

Precedence (highest first): explicit overrides (e.g. the CLI's ``--lake``), environment
variables, the TOML file named by ``QUANT_CONFIG`` (default ``quant.toml`` in the working
directory, if present), then the defaults below.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from quant.errors import ConfigError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


def _toml_path() -> Path:
    return Path(os.environ.get("QUANT_CONFIG", "quant.toml"))


class Settings(BaseSettings):
    """Runtime configuration of the framework; every field maps to ``QUANT_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="QUANT_",
        extra="forbid",
        frozen=True,
        validate_default=True,
    )

    lake: Path = Field(Path("data/lake"), description="Folder (or URI) of the Delta Lake datasets.")
    lake_meta: Path | None = Field(
        None,
        description="Local folder for writer locks, tags and snapshots of an object-storage "
        "lake (s3://...); a local lake keeps them in <lake>/_quant.",
    )
    ledger: str = Field(
        "data/ledger",
        description=(
            "Live ledger: a SQLAlchemy URL (sqlite:///..., postgresql://...) or a folder, "
            "which means sqlite:///<folder>/live.db."
        ),
    )
    log_dir: Path = Field(Path("data/logs"), description="Folder for JSON-lines log files.")
    log_level: LogLevel = Field("INFO", description="Console and file log level.")
    lock_timeout_s: float = Field(30.0, gt=0, description="Writer-lock timeout in seconds.")
    gc_grace_s: float = Field(
        3600.0,
        ge=0,
        description="gc keeps versions superseded less than this many seconds ago "
        "(readers in flight on them are not cut off).",
    )
    broker: Literal["paper"] = Field("paper", description="Broker used by the live job.")
    broker_api_key: SecretStr | None = Field(None, description="Broker API key (never printed).")
    broker_api_secret: SecretStr | None = Field(
        None, description="Broker API secret (never printed)."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Order the sources: overrides, environment, TOML file, defaults."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, _toml_path()))

    def ledger_url(self) -> str:
        """The ledger as a SQLAlchemy URL (a bare folder becomes ``sqlite:///<folder>/live.db``)."""
        if "://" in self.ledger:
            return self.ledger
        return f"sqlite:///{(Path(self.ledger) / 'live.db').resolve()}"

    def public_dict(self) -> dict[str, Any]:
        """Settings as JSON-safe values, secrets masked."""
        out: dict[str, Any] = {}
        for name, value in self:
            if isinstance(value, SecretStr):
                out[name] = "**********"
            elif name == "ledger":  # a database URL may carry a password
                out[name] = re.sub(r"(://[^:/@]+):[^@]*@", r"\1:**********@", value)
            elif isinstance(value, Path):
                out[name] = str(value)
            else:
                out[name] = value
        return out


def _describe(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "config"
        env = f"QUANT_{field.upper()}"
        allowed = ""
        ctx = e.get("ctx") or {}
        if "expected" in ctx and str(ctx["expected"]) not in e["msg"]:
            allowed = f" (allowed: {ctx['expected']})"
        lines.append(f"invalid setting '{field}' ({env}): {e['msg']}{allowed}")
    return "; ".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Load settings, raising ConfigError naming the bad field and allowed values."""
    toml = _toml_path()
    if "QUANT_CONFIG" in os.environ and not toml.is_file():
        raise ConfigError(f"QUANT_CONFIG points at {toml}, which is not a file")
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as err:
        raise ConfigError(_describe(err)) from None
    except ValueError as err:  # malformed TOML
        raise ConfigError(f"cannot read config file {toml}: {err}") from None
