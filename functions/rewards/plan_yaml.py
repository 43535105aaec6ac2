"""Plan text as exact YAML: numbers kept as their source text (never a float), duplicate
keys and explicit tags refused, each naming where it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from yaml.events import MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .plan_fields import PlanError


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader that keeps numbers as their source text, so no float ever appears.

    It also remembers which nodes carried an explicit tag, so :func:`load_plan_text`
    can refuse them (a plan is plain data; ``!!float 0.1`` would smuggle a float in).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.tagged: dict[int, str] = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        tag = (
            event.tag
            if isinstance(event, (ScalarEvent, SequenceStartEvent, MappingStartEvent))
            else None
        )
        node: Node | None = super().compose_node(parent, index)
        if tag is not None and node is not None:
            self.tagged[id(node)] = tag
        return node


_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:float", "tag:yaml.org,2002:int"})
_ExactLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _joined(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _inspect(node: Node, path: str, tagged: Mapping[int, str], seen: set[int]) -> None:
    """Refuse explicit tags and keys given twice in one mapping, naming the key."""
    if id(node) in seen:  # an alias of a node already inspected
        return
    seen.add(id(node))
    if id(node) in tagged:
        raise PlanError(
            path, f"YAML type tags are not allowed ({tagged[id(node)]})", code="yaml_tag"
        )
    if isinstance(node, MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                _inspect(value_node, path, tagged, seen)
                continue
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if id(key_node) in tagged:
                raise PlanError(
                    _joined(path, key),
                    f"YAML type tags are not allowed ({tagged[id(key_node)]})",
                    code="yaml_tag",
                )
            if key in keys:
                raise PlanError(
                    _joined(path, key),
                    "duplicate key (given twice in one mapping)",
                    code="duplicate_key",
                )
            keys.add(key)
            _inspect(value_node, _joined(path, key), tagged, seen)
    elif isinstance(node, SequenceNode):
        for position, item in enumerate(node.value):
            _inspect(item, f"{path}[{position}]", tagged, seen)


def load_plan_data(text: str) -> Any:
    """The plain data of YAML plan text (numbers kept as decimal text), not yet validated.

    Raises :class:`PlanError` for text that is not YAML, a key given twice in one
    mapping (``duplicate_key``) and explicit tags (``yaml_tag``).
    """
    loader = _ExactLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _inspect(node, "", loader.tagged, set())
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise PlanError("", f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()
