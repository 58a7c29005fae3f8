"""Settings files read safely: YAML with merge keys, a depth and size limit, one message per problem."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from influence_lib.errors import SettingsError
from influence_lib.inputs import decode_text, looks_like_utf16, read_input_bytes


def _location(loc: tuple, content) -> str:
    """``sectors.sante.segments[1] (key medtech).top`` from a pydantic error location."""
    parts, node = [], content
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and -len(node) <= step < len(node) else None
            label = f"[{step}]"
            if isinstance(item, dict) and "key" in item:
                label += f" (key {item['key']})"
            parts.append(label)
            node = item
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _format_pydantic(exc: ValidationError, source: str, content=None) -> str:
    lines = [f"{source}: invalid settings"]
    for err in exc.errors():
        where = _location(err["loc"], content)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against the documentation, or remove it"
        elif err["type"] == "missing":
            msg = "required key is missing; add it"
            if err["loc"] and err["loc"][-1] == "top":
                msg = "required key is missing; add `top: N`, the size of this segment's Top N"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


MAX_YAML_DEPTH = 64  # nesting levels a settings file may use (dataset.yml needs 5)
MAX_YAML_BYTES = 16 << 20  # the largest settings file read: 16 MB
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a settings file may not hold: a key written twice, nesting too deep."""


class _SettingsLoader(yaml.SafeLoader):
    """PyYAML's safe loader, stricter where it is silent and bounded where it would crash.

    A key written twice in one mapping is refused (PyYAML keeps the last one silently), checked as
    the mapping is read, before merge keys (``<<: *anchor``, which PyYAML's safe loader supports)
    add their keys: a key that overrides a merged one is not a repetition. Nesting deeper than
    :data:`MAX_YAML_DEPTH` levels is refused (PyYAML reads nesting by recursion and would run out
    of Python's stack).
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self._depth >= MAX_YAML_DEPTH:
            raise _Refused(None, None, f"nested more than {MAX_YAML_DEPTH} levels deep; settings need only a "
                           f"few levels: check the indentation and the brackets", self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_mapping_node(self, anchor):
        node = super().compose_mapping_node(anchor)
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue  # merge keys add keys, never repeat one; other keys are refused by the constructor
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _Refused(None, None, f"key {key!r} appears twice in the same mapping (first on line "
                               f"{seen[key]}); keep one of them", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return node

    def flatten_mapping(self, node):
        """Expand merge keys as YAML 1.1 defines them.

        The mapping's own keys win over merged ones, and of a list of merged mappings the earlier
        wins. (PyYAML 6.0.4 keeps the first merged value of a key instead: a key overridden in an
        anchor that is itself merged again would silently take the older value.)
        """
        merged, own = [], []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                if key_node.tag == "tag:yaml.org,2002:value":  # "=" as a key is text, as PyYAML reads it
                    key_node.tag = "tag:yaml.org,2002:str"
                own.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in reversed(sources):  # built in order, later keys replace earlier ones
                if not isinstance(source, yaml.MappingNode):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"expected a mapping, or a list of mappings, to merge, but found {source.id}",
                        source.start_mark)
                self.flatten_mapping(source)
                merged.extend(source.value)
        node.value = merged + own


def _decode_yaml(path: Path, raw: bytes) -> str:
    """The text of a settings file: UTF-8, or UTF-16 with its byte-order mark."""
    try:
        text, encoding = decode_text(raw)
    except UnicodeDecodeError as exc:
        text, encoding, failure = None, exc.encoding, exc
    if encoding.lower().startswith("utf-8") and looks_like_utf16(raw):
        raise SettingsError(f"{path}: looks like UTF-16 text without a byte-order mark (every other byte is 0); "
                            f"save it as UTF-8")
    if text is None:
        what = "UTF-8" if encoding.startswith("utf-8") else ("UTF-32" if "32" in encoding else "UTF-16")
        raise SettingsError(f"{path}: not {what} text ({failure.reason} at byte {failure.start}); save it as UTF-8")
    return text


def _read_yaml(path: Path, missing_hint: str = "", folder: Path | None = None) -> dict:
    """The mapping a settings file holds (see :class:`_SettingsLoader` for what is refused).

    ``folder``: the folder the file must stay in (the dataset folder for ``dataset.yml``).
    """
    if not path.exists():
        raise SettingsError(f"{path}: file not found{missing_hint}")
    raw = read_input_bytes(path, folder, SettingsError, limit=MAX_YAML_BYTES, what="a settings file")
    try:
        content = yaml.load(_decode_yaml(path, raw), Loader=_SettingsLoader)  # noqa: S506 (a safe loader)
    except _Refused as exc:
        mark = exc.problem_mark
        raise SettingsError(f"{path}: line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        raise SettingsError(
            f"{path}:{where} not valid YAML ({getattr(exc, 'problem', None) or exc}); check the indentation "
            f"(spaces, not tabs), the colons and the brackets around that place"
        ) from None
    except RecursionError:
        raise SettingsError(f"{path}: merge keys (<<) chained too deep, or a mapping that merges itself; write "
                            f"the keys out") from None
    except (ValueError, OverflowError) as exc:  # a value YAML reads as a date, but no such date exists
        raise SettingsError(f"{path}: a value cannot be read ({exc}); check the dates (YYYY-MM-DD) and "
                            f"numbers") from None
    if content is None:
        raise SettingsError(f"{path}: the file is empty; it must hold the settings as YAML keys")
    if not isinstance(content, dict):
        raise SettingsError(f"{path}: expected a mapping of keys (key: value), found {type(content).__name__}")
    return content


def parse_settings(model: type[BaseModel], content: dict, source: str):
    """Build ``model`` from ``content``; raise ``SettingsError`` listing every problem."""
    try:
        return model.model_validate(content)
    except ValidationError as exc:
        raise SettingsError(_format_pydantic(exc, source, content)) from None


