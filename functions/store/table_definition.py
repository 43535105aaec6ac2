"""The Jifen table as template.yaml defines it, turned into boto3 ``create_table`` arguments.

template.yaml is the single source of truth for the table's keys and indexes: the
deployed stack and the local endpoint (tests, ``jifen demo``) build the same table
from it, so they cannot drift apart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import yaml
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "TABLE_LOGICAL_ID",
    "TEMPLATE_PATH",
    "AttributeDefinition",
    "CfnLoader",
    "CfnTag",
    "CreateTableKwargs",
    "DynamoDBClient",
    "GlobalSecondaryIndex",
    "KeySchemaElement",
    "Projection",
    "TableSchemaMismatchError",
    "TemplateError",
    "create_table_kwargs",
    "ensure_table",
    "load_template",
    "table_properties",
    "ttl_attribute",
]

log = logging.getLogger(__name__)

#: template.yaml at the repository root (the package is installed editable).
TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"
TABLE_LOGICAL_ID = "JifenTable"

#: boto3 ships no type information; a DynamoDB client is just ``Any`` to mypy.
DynamoDBClient = Any


class TemplateError(ValueError):
    """template.yaml does not describe the table in a form we can reproduce locally."""


class TableSchemaMismatchError(RuntimeError):
    """An existing table's primary key differs from template.yaml's (it needs replacing)."""


@dataclass(frozen=True, slots=True)
class CfnTag:
    """A CloudFormation short-form intrinsic (``!Sub``, ``!Ref`` ...), kept unevaluated.

    We only need the template's literal structure, so intrinsics are preserved as
    markers rather than resolved; code that needs a literal can detect them.
    """

    tag: str
    value: Any


class CfnLoader(yaml.SafeLoader):
    """A SafeLoader that accepts every ``!Tag``, turning it into a :class:`CfnTag`.

    Plain ``yaml.safe_load`` rejects CloudFormation templates because of their short-form
    tags; the set of tags grows with CloudFormation, so accept any of them.
    """


def _construct_cfn_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> CfnTag:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise TemplateError(f"unsupported YAML node for !{tag_suffix}: {node!r}")
    return CfnTag(tag=f"!{tag_suffix}", value=value)


CfnLoader.add_multi_constructor("!", _construct_cfn_tag)


class AttributeDefinition(TypedDict):
    AttributeName: str
    AttributeType: str


class KeySchemaElement(TypedDict):
    AttributeName: str
    KeyType: str


class Projection(TypedDict):
    ProjectionType: str
    NonKeyAttributes: NotRequired[list[str]]


class GlobalSecondaryIndex(TypedDict):
    IndexName: str
    KeySchema: list[KeySchemaElement]
    Projection: Projection


class CreateTableKwargs(TypedDict):
    """Keyword arguments for ``client.create_table(**kwargs)``."""

    TableName: str
    AttributeDefinitions: list[AttributeDefinition]
    KeySchema: list[KeySchemaElement]
    BillingMode: str
    GlobalSecondaryIndexes: NotRequired[list[GlobalSecondaryIndex]]


def load_template(template_path: Path | None = None) -> dict[str, Any]:
    """Parse template.yaml (CloudFormation tags become :class:`CfnTag` markers)."""
    path = template_path or TEMPLATE_PATH
    with path.open(encoding="utf-8") as stream:
        # CfnLoader is a SafeLoader: no arbitrary Python objects.
        document = yaml.load(stream, Loader=CfnLoader)
    if not isinstance(document, dict):
        raise TemplateError(f"{path}: not a CloudFormation template (top level is not a mapping)")
    return document


def table_properties(
    template_path: Path | None = None, logical_id: str = TABLE_LOGICAL_ID
) -> dict[str, Any]:
    """The ``Properties`` of the table resource ``logical_id`` in template.yaml."""
    resources = load_template(template_path).get("Resources") or {}
    resource = resources.get(logical_id)
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::DynamoDB::Table":
        raise TemplateError(f"template has no AWS::DynamoDB::Table resource named {logical_id!r}")
    properties = resource.get("Properties")
    if not isinstance(properties, dict):
        raise TemplateError(f"{logical_id} has no Properties")
    return properties


def _literal(value: Any, where: str) -> Any:
    """``value``, refusing CloudFormation intrinsics: we cannot evaluate them locally."""
    if isinstance(value, CfnTag):
        raise TemplateError(f"{where} uses {value.tag}; it must be a literal value")
    if isinstance(value, dict):
        return {key: _literal(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_literal(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


def _str(value: Any, where: str) -> str:
    value = _literal(value, where)
    if not isinstance(value, str) or not value:
        raise TemplateError(f"{where} must be a non-empty string, got {value!r}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    value = _literal(value, where)
    if not isinstance(value, list) or not value:
        raise TemplateError(f"{where} must be a non-empty list, got {value!r}")
    return value


def _mappings(value: Any, where: str) -> list[dict[str, Any]]:
    items = _list(value, where)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise TemplateError(f"{where}[{index}] must be a mapping, got {item!r}")
    return items


def _key_schema(value: Any, where: str) -> list[KeySchemaElement]:
    return [
        KeySchemaElement(
            AttributeName=_str(element.get("AttributeName"), f"{where}[{i}].AttributeName"),
            KeyType=_str(element.get("KeyType"), f"{where}[{i}].KeyType"),
        )
        for i, element in enumerate(_mappings(value, where))
    ]


def _projection(value: Any, where: str) -> Projection:
    value = _literal(value, where)
    if not isinstance(value, dict):
        raise TemplateError(f"{where} must be a mapping, got {value!r}")
    projection = Projection(ProjectionType=_str(value.get("ProjectionType"), where))
    if "NonKeyAttributes" in value:
        projection["NonKeyAttributes"] = [
            _str(name, f"{where}.NonKeyAttributes")
            for name in _list(value["NonKeyAttributes"], f"{where}.NonKeyAttributes")
        ]
    return projection


def create_table_kwargs(table_name: str, template_path: Path | None = None) -> CreateTableKwargs:
    """boto3 ``create_table`` arguments for the template's JifenTable, named ``table_name``.

    Only the shape of the table is carried over (keys, indexes, billing mode). Stack-level
    settings (PITR, SSE, deletion protection) are not CreateTable concerns locally, and
    deletion protection would stop tests from dropping their throwaway tables.
    """
    props = table_properties(template_path)
    billing_mode = _str(props.get("BillingMode", "PROVISIONED"), "BillingMode")
    if billing_mode != "PAY_PER_REQUEST":
        # PROVISIONED would need throughput settings we have no reason to mirror.
        raise TemplateError(f"BillingMode must be PAY_PER_REQUEST, got {billing_mode!r}")

    kwargs = CreateTableKwargs(
        TableName=table_name,
        AttributeDefinitions=[
            AttributeDefinition(
                AttributeName=_str(d.get("AttributeName"), f"AttributeDefinitions[{i}]"),
                AttributeType=_str(d.get("AttributeType"), f"AttributeDefinitions[{i}]"),
            )
            for i, d in enumerate(
                _mappings(props.get("AttributeDefinitions"), "AttributeDefinitions")
            )
        ],
        KeySchema=_key_schema(props.get("KeySchema"), "KeySchema"),
        BillingMode=billing_mode,
    )
    indexes = props.get("GlobalSecondaryIndexes")
    if indexes is not None:
        kwargs["GlobalSecondaryIndexes"] = [
            GlobalSecondaryIndex(
                IndexName=_str(gsi.get("IndexName"), f"GlobalSecondaryIndexes[{i}].IndexName"),
                KeySchema=_key_schema(gsi.get("KeySchema"), f"GlobalSecondaryIndexes[{i}]"),
                Projection=_projection(gsi.get("Projection"), f"GlobalSecondaryIndexes[{i}]"),
            )
            for i, gsi in enumerate(_mappings(indexes, "GlobalSecondaryIndexes"))
        ]
    return kwargs


def ttl_attribute(template_path: Path | None = None) -> str | None:
    """The TTL attribute template.yaml enables on the table, or None if TTL is off."""
    spec = _literal(table_properties(template_path).get("TimeToLiveSpecification"), "TTL")
    if not isinstance(spec, dict) or spec.get("Enabled") is not True:
        return None
    return _str(spec.get("AttributeName"), "TimeToLiveSpecification.AttributeName")


def ensure_table(
    client: DynamoDBClient,
    table_name: str,
    template_path: Path | None = None,
    *,
    poll_delay_s: int = 1,
    wait_timeout_s: int = 300,
) -> bool:
    """Create ``table_name`` from template.yaml unless it exists, wait for ACTIVE, enable TTL.

    Idempotent and safe to race: a concurrent creator's ResourceInUseException just
    means the table is there. Returns True if this call created the table. Raises
    :class:`TableSchemaMismatchError` if an existing table has a different primary key.
    """
    kwargs = create_table_kwargs(table_name, template_path)
    created = False
    try:
        client.create_table(**kwargs)
        created = True
        log.info("created DynamoDB table %s", table_name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise

    client.get_waiter("table_exists").wait(
        TableName=table_name,
        WaiterConfig={"Delay": poll_delay_s, "MaxAttempts": max(1, wait_timeout_s // poll_delay_s)},
    )
    if not created:
        actual = client.describe_table(TableName=table_name)["Table"]["KeySchema"]
        if _sorted_keys(actual) != _sorted_keys(kwargs["KeySchema"]):
            raise TableSchemaMismatchError(
                f"table {table_name} has key schema {actual}, template.yaml wants "
                f"{kwargs['KeySchema']}"
            )

    attribute = ttl_attribute(template_path)
    if attribute is not None:
        _enable_ttl(client, table_name, attribute)
    return created


def _sorted_keys(schema: list[Any]) -> list[tuple[str, str]]:
    return sorted((str(e["KeyType"]), str(e["AttributeName"])) for e in schema)


def _enable_ttl(client: DynamoDBClient, table_name: str, attribute: str) -> None:
    """Turn TTL on for ``attribute``; a failure is logged, never raised.

    TTL is housekeeping, not correctness (DynamoDB deletes expired items lazily, so
    readers check ``expires_at`` anyway), and some local endpoints lack the API.
    Real DynamoDB rejects enabling TTL twice, hence the describe first.
    """
    try:
        current = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if (
            current.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}
            and current.get("AttributeName") == attribute
        ):
            return
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )
    except ClientError as error:
        log.warning("could not enable TTL on %s.%s: %s", table_name, attribute, error)
