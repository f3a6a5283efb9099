"""The config stage: read YAML safely, validate it into a frozen ``Config``, check resource limits."""

from .field_checks import render_mismatch
from .limits import check_config, check_points
from .loading import config_from_dict, load_config
from .models import Config, EmConfig, InitialMixture, RenderConfig
from .schema import config_schema, schema_json
from .yaml_reader import parse_value

__all__ = [
    "Config",
    "EmConfig",
    "InitialMixture",
    "RenderConfig",
    "check_config",
    "check_points",
    "config_from_dict",
    "config_schema",
    "load_config",
    "parse_value",
    "render_mismatch",
    "schema_json",
]
