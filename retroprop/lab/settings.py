"""An experiment's settings as command-line options, typed from their defaults.

    retroprop lab run lorenz.identify --sigma 16 --x0 9.89,19.47,14.76 --no-plots

A setting ``key`` is the option ``--key`` (``_`` may be written ``-``). Its type is its
default's: int, float (an int is accepted), str, bool (``--key`` / ``--no-key``), or a list
of one of those, written comma-separated (``--hidden 128,64``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any


class SettingsError(ValueError):
    """A bad option for an experiment: the message names the setting and its type."""


def _scalar_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    raise TypeError(
        f"a setting's default must be an int, float, str, bool or a non-empty list of one of "
        f"those, got {value!r}"
    )


def type_name(default: Any) -> str:
    """``'int'``, ``'float'``, ``'str'``, ``'bool'`` or ``'list of <one of those>'``."""
    if not isinstance(default, list):
        return _scalar_name(default)
    if not default:
        raise TypeError("a list setting needs a non-empty default (its items give its type)")
    names = {_scalar_name(v) for v in default}
    if names == {"int", "float"}:
        names = {"float"}
    if len(names) != 1:
        raise TypeError(f"a list setting's items must share one type, got {default!r}")
    return f"list of {names.pop()}"


def _parse_scalar(kind: str, text: str) -> Any:
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(text)
        return lowered in ("true", "1", "yes")
    return text


def parse_value(key: str, text: str, default: Any) -> Any:
    """``text`` as a value of setting ``key``'s type; SettingsError naming both if it is not."""
    kind = type_name(default)
    try:
        if kind.startswith("list of "):
            items = [t.strip() for t in text.split(",")]
            if not text.strip() or any(not t for t in items):
                raise ValueError(text)
            return [_parse_scalar(kind[8:], t) for t in items]
        return _parse_scalar(kind, text)
    except ValueError:
        example = {"int": "3", "float": "0.01", "str": "name", "bool": "true"}
        sample = ",".join([example[kind[8:]]] * 2) if kind.startswith("list") else example[kind]
        article = "an" if kind[0] in "aeiou" else "a"
        raise SettingsError(
            f"--{key.replace('_', '-')} takes {article} {kind} (e.g. {sample}), got {text!r}"
        ) from None


def format_value(value: Any) -> str:
    """A setting's value as it is written on the command line."""
    if isinstance(value, list):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_options(
    experiment: str, config: Mapping[str, Any], args: Sequence[str]
) -> dict[str, Any]:
    """The settings that ``args`` (``['--lr', '0.1', '--no-plots', ...]``) give, typed.

    Raises:
        SettingsError: an unknown option (with close matches), a missing or badly typed
            value, or a stray argument.
    """
    options = {f"--{key.replace('_', '-')}": key for key in config}
    options.update({f"--{key}": key for key in config})
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            raise SettingsError(f"{experiment}: unexpected argument {arg!r} (options start --)")
        name, has_value, value = arg.partition("=")
        negated = name.startswith("--no-") and options.get(f"--{name[5:]}") is not None
        key = options.get(name) or (options.get(f"--{name[5:]}") if negated else None)
        if key is None:
            known = sorted({f"--{k.replace('_', '-')}" for k in config})
            close = difflib.get_close_matches(name.replace("_", "-"), known, n=3)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            raise SettingsError(
                f"{experiment} has no setting {name}.{hint} `retroprop lab show {experiment}` "
                "lists them"
            )
        default = config[key]
        if isinstance(default, bool) and not has_value:
            if negated and name in options:
                raise SettingsError(f"{name} is ambiguous")
            out[key] = not negated
            i += 1
            continue
        if negated:
            raise SettingsError(f"{name} is only for bool settings; --{key} takes a value")
        if not has_value:
            if i + 1 >= len(args):
                raise SettingsError(f"{name} needs a value (a {type_name(default)})")
            value = args[i + 1]
            i += 1
        out[key] = parse_value(key, value, default)
        i += 1
    return out
