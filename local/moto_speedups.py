"""Make moto's TransactWriteItems cost O(items in the transaction), not O(table); and a
Query of the table (not an index) cost O(its partition), not O(table log table).

moto 5 backs up a transaction by deep-copying the *whole table*, once per
item in the transaction, so every transaction slows down as the table grows
(a few hundred members made each one take ~1 s). This keeps moto's own
transaction logic and replaces only the backup: the table copy becomes a
no-op, and the items the transaction touches are snapshotted beforehand and
put back (or removed) if moto rolls back. Used only by the embedded endpoint.

moto 5 also answers every ``Query`` by sorting *every item of the table* and filtering
on the partition key (about 150 ms per query at 20,000 items: a page of the web side
reads a few partitions, so it took seconds with 10,000 members). For a query on the
table's own keys, moto's query now sees only the partition's items (its own dict of
them); an index query sees only the items whose index partition key matches (one pass
over the table, no sort of it). Everything after that — conditions, order, limits,
pages — is moto's. The endpoint serves one request at a time behind its lock, so the
per-call view is never shared.

Three more per-request costs dominated a settlement (profiled with ``cProfile`` on the
server thread, 1,000 members): moto's generic response serializer walks botocore's shape
model value by value (~4 ms per member item returned), and every update re-parses its
update and condition expressions (three times per transaction item). The DynamoDB JSON
protocol's answer is the result dict itself, so :func:`_fast_json` writes it with
``json.dumps`` (binaries base64, as the serializer does) for the data-plane operations;
parsed update expressions are cached by their text (moto's validator deep-copies the tree
before touching it), condition expressions by text, names and values; moto's
expression-only update validators run once per expression.

Then the per-item costs: a flat update (``SET``/``REMOVE``/numeric ``ADD`` on an existing
item, all the store sends) is applied by :func:`simple_update` under moto's own condition
evaluation with one size check instead of ten passes over the syntax tree (anything else
goes to moto; ``test_local_endpoint.py`` checks both leave equal items and raise the same
refusals); an item is measured once when built, not after each attribute; a query's
projection of top-level names keeps the attributes instead of a JSON round trip; index
listings are grouped once per table state (every write bumps a generation).

The patch reaches into moto's internals, so it first checks that every name it
replaces or relies on is still there (:func:`check_patch_targets`): after a moto
upgrade that renamed one, the endpoint refuses to start, naming the missing piece
and moto's version, instead of silently running slow (or wrong).
"""

from __future__ import annotations

import base64
import copy
import functools
import inspect
import json
import types
from collections import OrderedDict, deque
from typing import Any

from local.moto_updates import ITEM_LIMIT, bumping, index_partition, models_bytesize, simple_update

_APPLIED = False


class MotoPatchError(RuntimeError):
    """moto no longer has a name this patch replaces or calls (an upgrade changed it)."""


def _moto_version() -> str:
    try:
        from importlib.metadata import version

        return version("moto")
    except Exception:  # metadata missing: still say which check failed
        return "unknown"


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise MotoPatchError(
            f"local/moto_speedups.py cannot patch moto {_moto_version()}: {what}. "
            "Update the patch for this moto version (or pin moto to a version it supports)."
        )


def check_patch_targets(dynamodb_models: Any, table_class: Any) -> None:
    """Raise :class:`MotoPatchError` unless every name the patch touches exists as expected."""
    _require(
        callable(getattr(getattr(dynamodb_models, "copy", None), "deepcopy", None)),
        "moto.dynamodb.models no longer imports the `copy` module the patch swaps",
    )
    backend: Any = getattr(dynamodb_models, "DynamoDBBackend", None)
    _require(backend is not None, "moto.dynamodb.models.DynamoDBBackend is gone")
    for method in (
        "transact_write_items",
        "get_item",
        "put_item",
        "delete_item",
        "update_item",
        "create_table",
        "delete_table",
    ):
        _require(callable(getattr(backend, method, None)), f"DynamoDBBackend.{method} is gone")
    original = inspect.unwrap(backend.transact_write_items)  # moto's own, if already patched
    names = getattr(getattr(original, "__code__", None), "co_names", ())
    _require(
        "copy" in names and "deepcopy" in names,
        "DynamoDBBackend.transact_write_items no longer backs up tables with copy.deepcopy",
    )
    _require(isinstance(table_class, type), "moto.dynamodb.models.table.Table is gone")
    for method in ("query", "all_items"):
        _require(callable(getattr(table_class, method, None)), f"Table.{method} is gone")
    item_class: Any = getattr(dynamodb_models, "Item", None)
    _require(callable(getattr(item_class, "project", None)), "Item.project is gone")
    _require(
        callable(getattr(dynamodb_models, "get_filter_expression", None)),
        "moto.dynamodb.models.get_filter_expression is gone",
    )
    own_init = inspect.unwrap(item_class.__init__)  # moto's own, if already patched
    init_names = getattr(getattr(own_init, "__code__", None), "co_names", ())
    _require(
        "LimitedSizeDict" in init_names and "DynamoType" in init_names,
        "Item.__init__ no longer fills a LimitedSizeDict with DynamoType values",
    )
    _require(
        "index_name" in inspect.signature(table_class.query).parameters,
        "Table.query no longer takes index_name",
    )
    query_names = getattr(inspect.unwrap(table_class.query), "__code__", None)
    _require(
        query_names is not None and "all_items" in query_names.co_names,
        "Table.query no longer finds its candidates through all_items()",
    )


FAST_OPERATIONS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "TransactGetItems",
    }
)
"""Data-plane answers: plain dicts of wire values (no timestamps), written as JSON as is."""
_CACHE_SIZE = 512


def _wire_default(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON: {type(value).__name__}")


def _fast_json(result: object) -> str | None:
    """The JSON protocol's body for a data-plane result, or None to let moto serialize it."""
    if not isinstance(result, dict):
        return None
    try:
        return json.dumps(result, default=_wire_default, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


def _key_of(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _patch_responses(core_responses: Any) -> None:
    """Write data-plane DynamoDB answers with ``json.dumps`` (see the module docstring)."""
    action_result = core_responses.ActionResult
    original = action_result.execute_result

    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        if (
            context.service_model.service_name == "dynamodb"
            and context.operation_model.name in FAST_OPERATIONS
            and not isinstance(self.result, Exception)
        ):
            body = _fast_json(self.result)
            if body is not None:
                return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
        return original(self, context)

    setattr(action_result, "execute_result", execute_result)  # noqa: B010


def _patch_parsers(comparisons: Any, expressions: Any) -> None:
    """Parse each update expression text once, and each condition (with its names and
    values) once per distinct triple: moto parses them up to three times per item."""
    update_parser = expressions.UpdateExpressionParser
    make = update_parser.make

    @functools.lru_cache(maxsize=_CACHE_SIZE)
    def cached_make(expression: str) -> Any:
        return make(expression)

    setattr(update_parser, "make", staticmethod(cached_make))  # noqa: B010

    condition_parser = comparisons.ConditionExpressionParser
    parse = condition_parser.parse
    parsed: OrderedDict[tuple[str, str, str], tuple[Any, list[str], list[str]]] = OrderedDict()

    @functools.wraps(parse)
    def cached_parse(self: Any) -> Any:
        if self.condition_expression is None:
            return parse(self)
        key = (
            self.condition_expression,
            _key_of(self.expression_attribute_names),
            _key_of(self.expression_attribute_values),
        )
        found = parsed.get(key)
        if found is None:
            op = parse(self)
            found = (op, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            parsed[key] = found
            if len(parsed) > _CACHE_SIZE:
                parsed.popitem(last=False)
        op, names, values = found
        self.expr_attr_names_found = list(names)
        self.expr_attr_values_found = list(values)
        return op

    setattr(condition_parser, "parse", cached_parse)  # noqa: B010

    # The lexing alone depends on the text only (conditions whose values differ, e.g. the
    # settlement's version checks, miss the cache above but share their tokens). Nodes are
    # namedtuples, so one lexed tuple can seed every parse's fresh deque.
    lex: Any = getattr(condition_parser, "_lex_condition_expression", None)
    _require(callable(lex), "ConditionExpressionParser._lex_condition_expression")

    @functools.lru_cache(maxsize=_CACHE_SIZE)
    def lexed(expression: str) -> tuple[Any, ...]:
        probe = object.__new__(condition_parser)
        probe.condition_expression = expression
        return tuple(lex(probe))

    def cached_lex(self: Any) -> Any:
        return deque(lexed(self.condition_expression))

    setattr(condition_parser, "_lex_condition_expression", cached_lex)  # noqa: B010


def _patch_method_names(core_responses: Any) -> None:
    """moto lists a response class's methods (``inspect.getmembers``) on every request to
    find the action's handler; a class's methods do not change while the process runs."""
    names = core_responses.method_names_from_class

    @functools.lru_cache(maxsize=64)
    def cached(clazz: Any) -> tuple[str, ...]:
        return tuple(names(clazz))

    setattr(core_responses, "method_names_from_class", lambda clazz: list(cached(clazz)))  # noqa: B010


def _patch_backend_listing(backends: Any) -> None:
    """moto lists its own package directory on every request to find the backend of a
    host; the directory does not change while the process runs."""
    listing = tuple(backends.list_of_moto_modules())
    setattr(backends, "list_of_moto_modules", lambda: listing)  # noqa: B010


PURE_CHECKS = ("ActionCountValidator", "OverlappingPathsValidator", "UpdateHashRangeKeyValidator")
"""moto's update validators that look only at the expression, its names and the table's keys."""


def _patch_validator(validators: Any) -> None:
    """Run the expression-only checks once per (parsed expression, names, table keys): the
    same settlement update reaches moto thousands of times with other values."""
    validator_class = validators.UpdateExpressionValidator
    original_init = validator_class.__init__
    original_validate = validator_class.validate
    passed: dict[tuple[int, str, tuple[str, ...]], Any] = {}

    @functools.wraps(original_init)
    def init(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, expression, *args, **kwargs)
        self.jifen_source = expression

    @functools.wraps(original_validate)
    def validate(self: Any) -> Any:
        source = self.jifen_source
        key = (
            id(source),
            _key_of(self.expression_attribute_names),
            tuple(sorted(self.table.table_key_attrs)),
        )
        if passed.get(key) is source:
            self.processors = [p for p in self.processors if type(p).__name__ not in PURE_CHECKS]
        result = original_validate(self)
        if len(passed) > _CACHE_SIZE:
            passed.clear()
        passed[key] = source  # kept alive here, so its id is not reused while cached
        return result

    setattr(validator_class, "__init__", init)  # noqa: B010
    setattr(validator_class, "validate", validate)  # noqa: B010


def check_serializer_targets(
    core_responses: Any, comparisons: Any, expressions: Any, validators: Any
) -> None:
    """Raise :class:`MotoPatchError` unless the serializer and parser hooks are still there."""
    action_result = getattr(core_responses, "ActionResult", None)
    _require(
        callable(getattr(action_result, "execute_result", None)),
        "moto.core.responses.ActionResult.execute_result is gone",
    )
    parser = getattr(comparisons, "ConditionExpressionParser", None)
    _require(callable(getattr(parser, "parse", None)), "ConditionExpressionParser.parse is gone")
    update = getattr(expressions, "UpdateExpressionParser", None)
    _require(callable(getattr(update, "make", None)), "UpdateExpressionParser.make is gone")
    validator = getattr(validators, "UpdateExpressionValidator", None)
    _require(callable(getattr(validator, "validate", None)), "UpdateExpressionValidator is gone")
    processors = getattr(validator, "get_ast_processors", None)
    names = getattr(getattr(processors, "__code__", None), "co_names", ())
    _require(
        all(check in names for check in PURE_CHECKS),
        "UpdateExpressionValidator no longer runs the expression-only checks by these names",
    )


def apply() -> None:
    """Install the faster backup once per process (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    from moto.core import responses as core_responses
    from moto.dynamodb import comparisons
    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.parsing import expressions, validators

    table_class: Any = getattr(table_module, "Table", None)
    check_patch_targets(dynamodb_models, table_class)
    check_serializer_targets(core_responses, comparisons, expressions, validators)
    _patch_responses(core_responses)
    _patch_parsers(comparisons, expressions)
    _patch_validator(validators)
    from moto import backends

    _require(callable(getattr(backends, "list_of_moto_modules", None)), "list_of_moto_modules")
    _patch_backend_listing(backends)
    _require(callable(getattr(core_responses, "method_names_from_class", None)), "method names")
    _patch_method_names(core_responses)

    item_class: Any = getattr(dynamodb_models, "Item")  # noqa: B009 - not re-exported
    streamless = [False]  # inside update_item of a table without a stream

    def shallow_deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, table_class):
            return value  # the rollback below restores the touched items instead
        if streamless[0] and isinstance(value, item_class):
            return value  # update_item copies the old item only for the table's stream
        return copy.deepcopy(value, memo)

    shim = types.SimpleNamespace(**{name: getattr(copy, name) for name in ("copy", "Error")})
    shim.deepcopy = shallow_deepcopy
    setattr(dynamodb_models, "copy", shim)  # noqa: B010 - swap the module moto looks up

    backend_class = dynamodb_models.DynamoDBBackend
    original = backend_class.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshots: list[tuple[str, dict[str, Any], Any]] = []
        for entry in transact_items:
            for _op_type, op in entry.items():
                table_name = op.get("TableName")
                if table_name not in self.tables:
                    continue
                table = self.tables[table_name]
                key = op.get("Key")
                if key is None and "Item" in op:
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                if key is None:
                    continue
                current = self.get_item(table_name, key)
                snapshots.append((table_name, key, copy.deepcopy(current)))
        try:
            original(self, transact_items)
        except Exception:
            for table_name, key, before in reversed(snapshots):
                if before is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before.to_json()["Attributes"])
            raise

    setattr(backend_class, "transact_write_items", transact_write_items)  # noqa: B010

    original_update = backend_class.update_item
    from moto.dynamodb import exceptions as dynamodb_exceptions
    from moto.dynamodb.models.dynamo_type import DynamoType

    @functools.wraps(original_update)
    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        table = self.tables.get(table_name)
        streamless[0] = table is not None and getattr(table, "stream_shard", 1) is None
        try:
            if streamless[0]:
                done = simple_update(
                    table, dynamodb_models, dynamodb_exceptions, DynamoType, *args, **kwargs
                )
                if done is not None:
                    return done
            return original_update(self, table_name, *args, **kwargs)
        finally:
            streamless[0] = False

    setattr(backend_class, "update_item", update_item)  # noqa: B010

    original_query = table_class.query
    signature = inspect.signature(original_query)

    @functools.wraps(original_query)
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(self, hash_key, *args, **kwargs).arguments
        if not self.range_key_attr:
            return original_query(self, hash_key, *args, **kwargs)
        if bound.get("index_name"):
            # an index: moto checks every item anyway; hand it only those whose index
            # partition key matches (one pass, no sort of the whole table)
            conditions = list(bound.get("hash_key_conditions") or ())
            if len(conditions) != 1:
                return original_query(self, hash_key, *args, **kwargs)
            attribute, value = conditions[0]
            found = index_partition(self, attribute, value)
            self.all_items = lambda: found  # this call's view only
        elif hash_key is not None:
            partition = self.items.get(hash_key) or {}
            self.all_items = lambda: list(partition.values())  # this call's view only
        else:
            return original_query(self, hash_key, *args, **kwargs)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    setattr(table_class, "query", query)  # noqa: B010

    # Every write bumps the generation, so the grouping of items by an index key (built
    # once per table state: the 32 shard listings of one compute step share it) is
    # never stale.
    for name in (
        "put_item",
        "update_item",
        "delete_item",
        "transact_write_items",
        "create_table",
        "delete_table",
    ):
        setattr(backend_class, name, bumping(getattr(backend_class, name)))

    # moto builds an item one attribute at a time, re-measuring the whole item after each
    # (quadratic in its attributes); measure it once: the limit check is the same, as
    # the running total only grows
    from moto.dynamodb.models import dynamo_type as dynamo_type_module

    limited: Any = dynamo_type_module.LimitedSizeDict
    too_large: Any = getattr(dynamo_type_module, "ItemSizeTooLarge")  # noqa: B009
    wire_type: Any = dynamo_type_module.DynamoType

    @functools.wraps(item_class.__init__)
    def item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {name: wire_type(value) for name, value in attrs.items()}
        size = sum(models_bytesize(name) + value.size() for name, value in values.items())
        if size > ITEM_LIMIT:
            raise too_large
        self.attrs = limited()
        dict.update(self.attrs, values)

    setattr(item_class, "__init__", item_init)  # noqa: B010

    original_project = item_class.project

    @functools.wraps(original_project)
    def project(self: Any, projection_expressions: list[list[str]]) -> Any:
        # top-level names only (what the store asks): keep those attributes of the copy
        # moto already made of each result, instead of a round trip through plain JSON
        if not all(len(path) == 1 for path in projection_expressions):
            return original_project(self, projection_expressions)
        projected = item_class(self.hash_key, self.range_key, {})
        for (name,) in projection_expressions:
            if name in self.attrs:
                dict.__setitem__(projected.attrs, name, self.attrs[name])
        return projected

    setattr(item_class, "project", project)  # noqa: B010
    _APPLIED = True
