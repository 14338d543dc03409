"""One settings object, read once at start-up from ``THREADLINE_*`` variables and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THREADLINE_", env_file=".env", extra="ignore")

    environment: str = "development"
    database_url: str = "sqlite+aiosqlite:///./threadline.db"
    read_database_url: str | None = Field(
        default=None, description="Read-model database; defaults to the write database."
    )

    max_reply_depth: int = Field(default=10, ge=1, le=64)
    max_page_limit: int = 100
    default_page_limit: int = 20
    max_nested_depth: int = 10
    default_nested_depth: int = 3
    default_replies_per_comment: int = 5

    cache_enabled: bool = True
    cache_comment_ttl_seconds: float = 300.0
    cache_tree_ttl_seconds: float = 60.0
    cache_max_entries: int = 20_000

    run_projector: bool = True
    projector_batch_size: int = 500
    projector_poll_interval_seconds: float = 1.0

    read_your_writes_timeout_seconds: float = 2.0
    command_retries: int = 5
    sqlite_busy_timeout_seconds: float = 30.0

    dev_tenant_name: str = "dev"
    token_ttl_seconds: int = 7 * 24 * 3600

    @property
    def effective_read_database_url(self) -> str:
        return self.read_database_url or self.database_url

    def sqlite_file(self) -> Path | None:
        """The SQLite file behind the write database, if it is one."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None
