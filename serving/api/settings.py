"""Service settings, read from ``PATHMATCH_*`` environment variables.

Participant data is personal, so the service refuses to start without an API key unless
told explicitly that an open server is wanted (``PATHMATCH_API_INSECURE=1``, for a laptop
behind no network). Keys come from ``PATHMATCH_API_KEYS`` (comma-separated) and/or
``PATHMATCH_API_KEY_FILE`` (one key per line, ``#`` comments), so a deployment can keep
them in a secret file rather than the process environment.

Variables: ``PATHMATCH_API_KEYS``, ``PATHMATCH_API_KEY_FILE``, ``PATHMATCH_API_INSECURE``,
``PATHMATCH_MAX_BODY_BYTES`` (default 1 MiB), ``PATHMATCH_WARM_ON_START`` (default true),
``PATHMATCH_CORS_ORIGINS`` (comma-separated; empty, the default, turns CORS off),
``PATHMATCH_MAX_TEXTS`` and ``PATHMATCH_MAX_TEXT_CHARS`` (caps on one extract or titles
request).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class ApiConfigError(Exception):
    """The service cannot start as configured; the message says what to set."""


class ApiSettings(BaseSettings):
    """How the HTTP service authenticates, bounds requests and starts."""

    model_config = SettingsConfigDict(env_prefix="PATHMATCH_", extra="ignore")

    api_keys: str = Field(default="", repr=False, description="comma-separated API keys")
    api_key_file: Path | None = Field(default=None, description="file with one key per line")
    api_insecure: bool = Field(default=False, description="allow starting without any key")
    max_body_bytes: int = Field(default=MIB, gt=0, description="larger bodies answer 413")
    warm_on_start: bool = Field(default=True, description="build every model at start-up")
    cors_origins: str = Field(default="", description="comma-separated; empty: no CORS")
    max_texts: int = Field(default=100, gt=0, description="texts or titles per request")
    max_text_chars: int = Field(default=20_000, gt=0, description="characters per text")

    def keys(self) -> tuple[str, ...]:
        """Every configured key, from the variable and the key file, without blanks."""
        found = [k.strip() for k in self.api_keys.split(",")]
        if self.api_key_file is not None:
            try:
                lines = self.api_key_file.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ApiConfigError(
                    f"PATHMATCH_API_KEY_FILE {self.api_key_file} cannot be read: {exc.strerror}"
                ) from None
            found += [line.strip() for line in lines if not line.lstrip().startswith("#")]
        return tuple(k for k in found if k)

    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def check(self) -> tuple[str, ...]:
        """The keys to accept; raises ApiConfigError when none is set and not insecure."""
        keys = self.keys()
        if not keys and not self.api_insecure:
            raise ApiConfigError(
                "no API key configured: set PATHMATCH_API_KEYS (comma-separated) or "
                "PATHMATCH_API_KEY_FILE (one key per line); to serve without authentication "
                "on a private machine set PATHMATCH_API_INSECURE=1"
            )
        return keys
