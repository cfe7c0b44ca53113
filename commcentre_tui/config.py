"""Settings: ``config.toml`` < environment (``COMMCENTRE_``, nested ``__``) < command-line flags.

Load with :func:`load_settings`; a bad file or value raises :class:`ConfigError` whose message is
one sentence naming the key. Secrets are only accepted from the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from commcentre_tui.catalog import (
    ANY_FIELD,
    DEFAULT_CATEGORIES,
    SEARCH_FIELDS,
)
from commcentre_tui.config_channels import (  # noqa: F401 - re-exported: the config's public names
    CtiSettings,
    EmailSettings,
    InboundEmailSettings,
    InboundSettings,
    InboundSmsSettings,
    Section,
    SmsSettings,
)
from commcentre_tui.config_file import (  # noqa: F401 - re-exported: the config's public names
    DEFAULT_CONFIG_PATH,
    SECRET_KEYS,
    ConfigError,
    check_file,
    config_path,
)
from commcentre_tui.paths import (  # noqa: F401 - re-exported
    PROJECT_ROOT,
    current_folder_config,
    default_database_path,
)
from commcentre_tui.roles import RoleSettings, default_roles, known_actions

#: The embedded database (see :mod:`.paths`: beside the code in a checkout, under the XDG
#: folders for an installed package); the default config: :mod:`.config_file`.
DEFAULT_DATABASE_PATH = default_database_path()


class DatabaseSettings(Section):
    """``[database]``: where the data lives."""

    url: str = ""
    """SQLAlchemy URL; empty means the embedded SQLite file (``data/commcentre.db`` in a
    checkout, ``$XDG_DATA_HOME/commcentre/commcentre.db`` when installed)."""
    echo: bool = False

    def resolved_url(self) -> str:
        """The URL to connect to, with the embedded default filled in."""
        return self.url or f"sqlite:///{DEFAULT_DATABASE_PATH}"


class FieldSetting(Section):
    """Whether a search field is offered in quick and/or advanced search, and where."""

    quick: bool = True
    advanced: bool = True
    order: int = 100


def _default_fields(group: str) -> dict[str, FieldSetting]:
    return {name: FieldSetting(order=i + 1) for i, name in enumerate(SEARCH_FIELDS[group])}


class SearchSettings(Section):
    """``[search]``: the seed's Search Settings."""

    default_operator: Literal["=", "like"] = "like"
    default_field: str = ANY_FIELD
    communications_limit: int | None = Field(default=50, ge=1)
    default_region: str = "CY"
    page_size: int = Field(default=50, ge=1, le=500)
    contact: dict[str, FieldSetting] = Field(default_factory=lambda: _default_fields("contact"))
    address: dict[str, FieldSetting] = Field(default_factory=lambda: _default_fields("address"))
    account: dict[str, FieldSetting] = Field(default_factory=lambda: _default_fields("account"))
    subscription: dict[str, FieldSetting] = Field(
        default_factory=lambda: _default_fields("subscription")
    )

    @field_validator("default_operator", mode="before")
    @classmethod
    def _fold_operator(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("default_region")
    @classmethod
    def _check_region(cls, value: str) -> str:
        import phonenumbers

        value = value.upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region code phonenumbers knows (e.g. CY, GB, US)")
        return value

    @field_validator("contact", "address", "account", "subscription")
    @classmethod
    def _known_fields(cls, value: dict[str, FieldSetting], info: Any) -> dict[str, FieldSetting]:
        known = SEARCH_FIELDS[info.field_name]
        for name in value:
            if name not in known:
                raise ValueError(f"unknown field {name!r}; known: {', '.join(known)}")
        return value

    def enabled(self, mode: Literal["quick", "advanced"]) -> list[str]:
        """Enabled field names for ``mode``, in display order (``any`` first for quick)."""
        rows: list[tuple[int, str]] = []
        for group in SEARCH_FIELDS:
            for name, setting in getattr(self, group).items():
                if getattr(setting, mode):
                    rows.append((setting.order, name))
        names = [name for _, name in sorted(rows)]
        return [ANY_FIELD, *names] if mode == "quick" else names


def _seed_default_actions() -> list[str]:
    from commcentre_tui.actions.registry import DEFAULT_ACTIONS

    return list(DEFAULT_ACTIONS)


class ActionsSettings(Section):
    """``[actions]``: the Allowed Actions offered in the Action Panel (``"*"``: every action)."""

    enabled: list[str] = Field(default_factory=_seed_default_actions)

    @field_validator("enabled")
    @classmethod
    def _known_actions(cls, value: list[str]) -> list[str]:
        if "*" in value:
            return list(known_actions())
        for name in value:
            if name not in known_actions():
                raise ValueError(f"unknown action {name!r}")
        return value


class CustomField(Section):
    """A custom contact field: ``{name, type, required}``."""

    name: str = Field(min_length=1, max_length=60)
    type: Literal["text", "number", "date", "bool"] = "text"
    required: bool = False


class ContactsSettings(Section):
    """``[contacts]``: custom fields and customer numbering."""

    custom_fields: list[CustomField] = Field(default_factory=list)
    customer_number_prefix: str = "C"


class WorkerSettings(Section):
    """``[worker]``: the communication queue worker."""

    embedded: bool = True
    batch_size: int = Field(default=100, ge=1)
    max_attempts: int = Field(default=5, ge=1)
    backoff_seconds: float = Field(default=30.0, ge=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    poll_seconds: float = Field(default=2.0, gt=0)
    keep_sent_days: float = Field(default=30.0, ge=0)
    """Delivered entries leave the queue table this many days after sending (the communication
    itself stays for ever); 0 keeps them."""


class CommunicationsSettings(Section):
    """``[communications]``: categories and per-media rules."""

    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    email_subject_required: bool = True
    autosave_seconds: float = Field(default=3.0, gt=0)
    max_content_chars: int = Field(default=100_000, ge=1)
    """The longest content (in characters) a communication may be saved with."""
    max_rendered_bytes: int = Field(default=1_000_000, ge=1)
    """The largest text (UTF-8 bytes) one template may render to."""
    render_seconds: float = Field(default=1.0, gt=0)
    """How long one template may take to render (wall clock) before it is refused."""
    render_loop_steps: int = Field(default=10_000, ge=1)
    """How many loop iterations one template render may run in all."""
    first_contact_days: int = Field(default=7, ge=1, le=365)
    """Reports: a customer's issue counts as resolved at first contact when they do not write
    or call again in the same category within this many days."""


class BillingSettings(Section):
    """``[billing]``: currency, tax and rounding."""

    currency: str = Field(default="EUR", min_length=3, max_length=3)
    tax_rate: str = "0.19"
    rounding: Literal["ROUND_HALF_UP", "ROUND_HALF_EVEN"] = "ROUND_HALF_UP"
    payment_terms_days: int = Field(default=30, ge=0)

    @field_validator("tax_rate")
    @classmethod
    def _decimal_rate(cls, value: str) -> str:
        from decimal import Decimal, InvalidOperation

        try:
            rate = Decimal(str(value))
        except InvalidOperation:
            raise ValueError("must be a decimal number such as 0.19") from None
        if not Decimal(0) <= rate < Decimal(1):
            raise ValueError("must be between 0 and 1, such as 0.19 for 19%")
        return str(rate)


class UiSettings(Section):
    """``[ui]``: console preferences."""

    theme: str = "textual-dark"
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id → keys, e.g. ``{"quick_search" = "f2"}``."""
    animations: bool = False
    """Animations such as smooth scrolling. Off by default: over SSH or on a thin
    terminal every animation frame is another screen update, and nothing waits on them."""
    bell: bool = True
    """Ring the terminal bell (besides the notification) when a call rings for the agent or
    a task reminder falls due."""
    remember_theme: bool = True
    """Keep the theme an agent picks (palette: Change theme) for their next start, in a small
    file per agent (``preferences_dir``); ``theme`` is the default until they pick one."""
    preferences_dir: str = ""
    """Where those files go; empty: ``preferences`` in the data folder (``data/`` of a
    checkout)."""
    screenshots: bool = True
    """Offer "Screenshot" in the palette (an SVG of the screen saved on the machine the console
    runs on). ``serve-ssh`` turns it off for its consoles: they must not write server files."""
    export_folder: str = "~/commcentre-exports"
    """Where "Export results" (palette; roles with the ``export`` flag) writes CSV files, in a
    sub-folder per agent; empty: exporting is off. ``serve-ssh`` empties it for its consoles
    unless the administrator gives ``--export-folder``."""


class LoggingSettings(Section):
    """``[logging]``: where the long-running processes (console, worker, cti-bridge, serve-ssh)
    log, and how much (see :mod:`commcentre_tui.logging_setup`)."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    destination: Literal["auto", "file", "stderr", "off"] = "auto"
    """``auto``: stderr when systemd runs the process (its journal), else a file; ``file``;
    ``stderr``; ``off``. The console always logs to a file (its terminal is the agent's screen)."""
    directory: str = ""
    """Folder of the log files; empty: ``logs`` in the data folder."""
    max_bytes: int = Field(default=5_000_000, ge=10_000)
    """A log file is rotated when it reaches this size."""
    backup_count: int = Field(default=5, ge=0)
    """Rotated files kept (``worker.log.1`` …)."""

    @field_validator("level", mode="before")
    @classmethod
    def _fold_level(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class Settings(BaseSettings):
    """The whole configuration; build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="COMMCENTRE_",
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    actions: ActionsSettings = Field(default_factory=ActionsSettings)
    contacts: ContactsSettings = Field(default_factory=ContactsSettings)
    cti: CtiSettings = Field(default_factory=CtiSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    sms: SmsSettings = Field(default_factory=SmsSettings)
    inbound: InboundSettings = Field(default_factory=InboundSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    communications: CommunicationsSettings = Field(default_factory=CommunicationsSettings)
    billing: BillingSettings = Field(default_factory=BillingSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    roles: dict[str, RoleSettings] = Field(default_factory=lambda: dict(default_roles()))

    #: Where the file values came from (for messages); not a config key.
    source_path: str = Field(default="", exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = settings_cls.model_config.get("toml_file")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def _describe(exc: ValidationError, path: Path | None) -> str:
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err["loc"])
    where = f"{path}: " if path else ""
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "not a known setting"
    return f"{where}{key}: {message}."


def load_settings(path: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Read settings from file, environment and ``overrides`` (flags), in rising precedence.

    ``overrides`` are nested dicts per section, e.g. ``database={"url": "sqlite://"}``.
    """
    chosen = config_path(path)
    if chosen is not None:
        check_file(chosen)
    cls: type[Settings] = type(
        "Settings",
        (Settings,),
        {"model_config": {**Settings.model_config, "toml_file": chosen}},
    )
    try:
        settings = cls(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, chosen)) from None
    settings.source_path = str(chosen or "")
    return settings
