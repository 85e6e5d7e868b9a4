"""Project configuration for `tflog check` (the pre-commit hook): `.tflog.yaml` or `[tool.tflog]`.

A repository that commits logs wants the same answer on every developer's machine and in
CI, so the settings live in the repository, read from the current directory (pre-commit
runs hooks at the repository root):

    # .tflog.yaml                      # or, in pyproject.toml:
    rules: [ci/tflog-rules]            # [tool.tflog]
    disable: [linkage-tensorrt-missing]  # rules = ["ci/tflog-rules"]
    fail_on: warning                   # disable = ["oom-*"]; fail_on = "warning"

`rules` are folders of extra rules, relative to the configuration file; `disable` lists
rule ids (globs allowed, `unrecognized` too) whose findings are ignored; `fail_on` is
error | warning | never. `.tflog.yaml` wins when both exist. A mistake raises
`InputError` naming the file and the key, printed as one line by the CLI.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from analyzer.pipeline.reader import InputError

KEYS = ("rules", "disable", "fail_on")
FAIL_ON = ("error", "warning", "never")
YAML_NAME = ".tflog.yaml"


@dataclass
class Config:
    rules: List[Path] = field(default_factory=list)
    disable: List[str] = field(default_factory=list)
    fail_on: Optional[str] = None
    source: Optional[Path] = None  # the file the settings came from, if any
    notes: List[str] = field(default_factory=list)  # things the user should know (printed to stderr)


def load_config(directory: Optional[Path] = None) -> Config:
    """The configuration found in `directory` (default: the current directory), or defaults."""
    directory = Path.cwd() if directory is None else Path(directory)
    yaml_path = directory / YAML_NAME
    if not yaml_path.is_file():
        yaml_path = directory / ".tflog.yml"
    pyproject = directory / "pyproject.toml"
    if yaml_path.is_file():
        config = _from_mapping(_read_yaml(yaml_path), yaml_path, YAML_NAME)
        if pyproject.is_file() and "[tool.tflog]" in _read_text(pyproject):
            config.notes.append(f"{pyproject}: [tool.tflog] ignored because {yaml_path.name} exists")
        return config
    if pyproject.is_file():
        text = _read_text(pyproject)
        if "tflog" not in text:
            return Config()
        toml = _toml_module()
        if toml is None:
            return Config(notes=[f"{pyproject}: [tool.tflog] ignored: reading TOML on Python < 3.11 needs `pip install tomli`"])
        try:
            data = toml.loads(text)
        except toml.TOMLDecodeError as e:
            raise InputError(f"{pyproject}: invalid TOML: {e}") from None
        section = (data.get("tool") or {}).get("tflog")
        if section is None:
            return Config()
        return _from_mapping(section, pyproject, "[tool.tflog]")
    return Config()


def _toml_module():
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        import tomli

        return tomli
    except ImportError:
        return None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        data = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}: invalid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    return {} if data is None else data


def _from_mapping(data: Any, path: Path, where: str) -> Config:
    """Validate the settings mapping; every problem names the file and the key."""
    if not isinstance(data, dict):
        raise InputError(f"{path}: {where} must be a mapping of {', '.join(KEYS)}")
    unknown = sorted(set(map(str, data)) - set(KEYS))
    if unknown:
        raise InputError(f"{path}: key '{unknown[0]}': unknown setting (known: {', '.join(KEYS)})")
    config = Config(source=path)
    config.rules = [_rules_dir(path, d) for d in _str_list(data, "rules", path)]
    config.disable = _str_list(data, "disable", path)
    fail_on = data.get("fail_on")
    if fail_on is not None:
        if fail_on not in FAIL_ON:
            raise InputError(f"{path}: key 'fail_on': {fail_on!r} is not one of {', '.join(FAIL_ON)}")
        config.fail_on = fail_on
    return config


def _str_list(data: Dict[str, Any], key: str, path: Path) -> List[str]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"{path}: key '{key}': expected a list of strings")
    return value


def _rules_dir(config_path: Path, value: str) -> Path:
    folder = (config_path.parent / value).resolve() if not Path(value).is_absolute() else Path(value)
    if not folder.is_dir():
        raise InputError(f"{config_path}: key 'rules': {value!r} is not a folder (paths are relative to {config_path.name})")
    return folder
