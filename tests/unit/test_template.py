"""template.yaml describes a system that can run: checks that need no AWS account.

* every function's handler imports and is callable (handler modules other
  engineers are still writing are skipped while they do not exist, and fail
  once they exist without the attribute);
* every environment variable a handler's settings read (derived from the
  pydantic settings classes in the module's ``SETTINGS`` table) is set for
  that function, globals included;
* secrets are SSM parameter names, each function may read exactly the
  parameters it is given, and every function has an error alarm;
* the state machine's definition, the schedules' input and requirements.txt
  agree with the code; and cfn-lint finds nothing;
* every function is built by the Makefile's ``build-%`` target, and the artifact
  it makes holds only what runs in Lambda (no tests/, bench/, local/, command
  line or moto) and imports without any of them.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from functions.config import REPO_ROOT, ScheduleSettings
from functions.handlers._events import ShardTask, settlement_date
from functions.services.settlement_fanout import page_batches
from functions.store.table_definition import CfnTag, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {
    name: resource
    for name, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function"
}
GLOBAL_ENV: dict[str, Any] = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]

NOT_FROM_TEMPLATE = {
    "AWS_REGION": "set by the Lambda runtime itself",
    "JIFEN_DYNAMODB_ENDPOINT": "a local endpoint; in AWS the SDK's default endpoint is used",
}
"""Variables settings read that the template must not (or need not) set."""


def ref(value: Any) -> str | None:
    """The logical id of a ``!Ref X``, else None."""
    return str(value.value) if isinstance(value, CfnTag) and value.tag == "!Ref" else None


def handler_of(function: str) -> tuple[str, str]:
    module, _, attribute = FUNCTIONS[function]["Properties"]["Handler"].rpartition(".")
    return module, attribute


def environment_of(function: str) -> dict[str, Any]:
    own = FUNCTIONS[function]["Properties"].get("Environment", {}).get("Variables", {})
    return {**GLOBAL_ENV, **own}


def import_handler_module(function: str) -> ModuleType:
    module_name, _ = handler_of(function)
    return importlib.import_module(module_name)


def settings_read_by(module: ModuleType, attribute: str) -> tuple[type[BaseSettings], ...]:
    """The settings classes an entry point reads: its ``SETTINGS`` entry.

    ``SETTINGS`` maps entry point name → classes (or is one tuple for the whole
    module). A module without it is taken to read every settings class it imports.
    """
    declared = getattr(module, "SETTINGS", None)
    if isinstance(declared, Mapping):
        assert attribute in declared, f"{module.__name__}.SETTINGS has no entry for {attribute}"
        return tuple(declared[attribute])
    if declared is not None:
        return tuple(declared)
    return tuple(
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseSettings) and value is not BaseSettings
    )


def variables_of(kind: type[BaseSettings]) -> dict[str, str]:
    """Environment variable → field, as pydantic-settings reads them (not local-only ones)."""
    config = kind.model_config
    prefix = str(config.get("env_prefix") or "")
    upper = not config.get("case_sensitive", False)
    found: dict[str, str] = {}
    for name, field in kind.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, dict) and extra.get("local_only"):
            continue
        alias = field.validation_alias
        if isinstance(alias, str):
            variable = alias
        elif isinstance(alias, AliasChoices):
            variable = str(next(choice for choice in alias.choices if isinstance(choice, str)))
        else:
            variable = prefix + name
        found[variable.upper() if upper else variable] = f"{kind.__name__}.{name}"
    return found


# -- handlers and settings ------------------------------------------------------------


def test_the_template_has_every_entry_point() -> None:
    # Given the template's functions
    # When their handlers are listed
    handlers = {FUNCTIONS[name]["Properties"]["Handler"] for name in FUNCTIONS}
    # Then every entry point of design.md is deployed
    assert handlers == {
        "functions.handlers.telegram_webhook.handler",
        "functions.handlers.merchant_api.handler",
        "functions.handlers.settlement.handler",
        "functions.handlers.settlement.apply_pages_handler",
        "functions.handlers.settlement.finish_handler",
        "functions.handlers.payouts.handler",
        "functions.handlers.notifications.handler",
        "functions.handlers.proof.handler",
        "functions.handlers.web.handler",
    }


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_points_at_a_handler_that_imports(function: str) -> None:
    # Given a function of the template
    _, attribute = handler_of(function)
    # When its handler module is imported
    module = import_handler_module(function)
    # Then the handler is there and callable
    assert callable(getattr(module, attribute, None)), f"{module.__name__} has no {attribute}"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_setting_a_handler_reads_is_set_for_its_function(function: str) -> None:
    # Given the settings classes the function's handler reads
    _, attribute = handler_of(function)
    kinds = settings_read_by(import_handler_module(function), attribute)
    assert kinds, f"{function}: its handler declares no settings"
    # When their environment variables are derived from the pydantic models
    wanted: dict[str, str] = {}
    for kind in kinds:
        wanted.update(variables_of(kind))
    # Then the template sets each of them for that function (globals included)
    missing = {
        variable: field
        for variable, field in wanted.items()
        if variable not in environment_of(function) and variable not in NOT_FROM_TEMPLATE
    }
    assert not missing, f"{function} lacks {missing}"


def test_the_settings_derivation_sees_prefixes_aliases_and_local_only_fields() -> None:
    # Given the store settings (prefix, an alias for the region) and payout settings
    from functions.config import PayoutSettings, StoreSettings

    # When their variables are derived
    store, payout = variables_of(StoreSettings), variables_of(PayoutSettings)
    # Then prefixed names and aliases appear, and local-only fields do not
    assert {"JIFEN_TABLE_NAME", "JIFEN_USE_AWS", "AWS_REGION"} <= set(store)
    assert set(payout) == {"JIFEN_PAYOUT_BUCKET"}


# -- secrets and permissions ------------------------------------------------------------

SECRET_PARAMETERS = sorted(name for name in TEMPLATE["Parameters"] if name.endswith("Parameter"))


def test_secrets_are_parameter_names_without_values() -> None:
    # Given the template's secret parameters
    # When their definitions are read
    # Then each names an SSM parameter (leading slash) and carries no default value
    assert SECRET_PARAMETERS == [
        "BotTokenParameter",
        "ChainKeyParameter",
        "MerchantKeysParameter",
        "PaymentProviderTokenParameter",
        "WebSessionKeyParameter",
        "WebhookSecretParameter",
    ]
    for name in SECRET_PARAMETERS:
        parameter = TEMPLATE["Parameters"][name]
        assert "Default" not in parameter
        assert parameter["AllowedPattern"].startswith("^/")
        assert re.fullmatch(parameter["AllowedPattern"], "/jifen/prod/bot-token")
        assert not re.fullmatch(parameter["AllowedPattern"], "123456:ABC-secret-token value")


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_function_may_read_exactly_the_parameters_it_is_given(function: str) -> None:
    # Given the SSM parameter names a function receives (JIFEN_*_PARAM variables)
    given = {
        ref(value)
        for variable, value in environment_of(function).items()
        if variable.endswith("_PARAM")
    }
    # When its policies are read
    readable = {
        ref(policy["SSMParameterWithSlashPrefixReadPolicy"]["ParameterName"])
        for policy in FUNCTIONS[function]["Properties"].get("Policies", [])
        if isinstance(policy, dict) and "SSMParameterWithSlashPrefixReadPolicy" in policy
    }
    # Then it may read those parameters and no others
    assert None not in given
    assert given == readable


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_has_an_error_alarm(function: str) -> None:
    # Given the template's alarms
    alarms = [r for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    # When those on Lambda errors are collected
    watched = {
        ref(dimension["Value"])
        for alarm in alarms
        if alarm["Properties"].get("MetricName") == "Errors"
        for dimension in alarm["Properties"]["Dimensions"]
    }
    # Then this function is among them
    assert function in watched


# -- the proof-of-liabilities bucket ---------------------------------------------------

PROOF_BUCKET = RESOURCES["ProofBucket"]
WRITE_ONCE_DENIED = {
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:DeleteBucket",
}
"""What would let a function remove a record or shorten its lock (directly or by policy)."""


def test_the_proof_bucket_locks_every_record_in_compliance_mode_for_years() -> None:
    # Given the proof bucket and its retention parameter
    properties = PROOF_BUCKET["Properties"]
    retention = TEMPLATE["Parameters"]["ProofRetentionYears"]
    # When its Object Lock, versioning, encryption and exposure are read
    lock = properties["ObjectLockConfiguration"]
    # Then every object version is locked in compliance mode for the parameter's years
    assert properties["ObjectLockEnabled"] is True
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert lock["Rule"]["DefaultRetention"] == {
        "Mode": "COMPLIANCE",
        "Years": CfnTag("!Ref", "ProofRetentionYears"),
    }
    assert retention["Default"] == 7
    assert retention["MinValue"] >= 1
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    # And it is encrypted at rest, private, and outlives the stack
    [rule] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    assert PROOF_BUCKET["DeletionPolicy"] == "Retain"
    assert PROOF_BUCKET["UpdateReplacePolicy"] == "Retain"
    # And no lifecycle rule expires or deletes records
    for lifecycle in properties.get("LifecycleConfiguration", {}).get("Rules", []):
        assert not {"ExpirationInDays", "ExpirationDate", "NoncurrentVersionExpiration"} & set(
            lifecycle
        )


def _statements(function: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in FUNCTIONS[function]["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            found += policy["Statement"]
    return found


def _names_proof_bucket(resource: Any) -> bool:
    text = json.dumps(resource, default=lambda tag: f"{tag.tag} {tag.value}")
    return "ProofBucket" in text or resource == "*"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_no_function_can_delete_a_record_or_shorten_its_retention(function: str) -> None:
    # Given a function's policies
    policies = FUNCTIONS[function]["Properties"].get("Policies", [])
    # When the SAM policy templates and statements that reach the proof bucket are read
    sam_s3 = [
        policy
        for policy in policies
        if isinstance(policy, dict)
        and any(name.startswith("S3") for name in policy)
        and _names_proof_bucket(policy)
    ]
    granted = {
        action
        for statement in _statements(function)
        if statement.get("Effect") == "Allow" and _names_proof_bucket(statement["Resource"])
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    # Then no SAM S3 template (S3CrudPolicy deletes) applies to it, no wildcard is granted
    # on it, and nothing that deletes, unlocks or re-configures is allowed
    assert sam_s3 == []
    assert not [action for action in granted if "*" in action]
    assert granted & WRITE_ONCE_DENIED == set()
    assert granted <= {"s3:PutObject", "s3:GetObject", "s3:ListBucket"}


def test_the_publishing_functions_may_put_and_read_records_only() -> None:
    # Given the functions that publish (the proof function, the inline settlement)
    for function in ("ProofFunction", "SettlementFunction"):
        # When their environment and statements are read
        env = environment_of(function)
        allowed = {
            statement["Sid"]: statement["Action"]
            for statement in _statements(function)
            if _names_proof_bucket(statement["Resource"])
        }
        # Then they name the bucket and may put and read under the records' prefix
        assert ref(env["JIFEN_PROOF_BUCKET"]) == "ProofBucket"
        assert allowed == {
            "PublishProofRecords": ["s3:PutObject", "s3:GetObject"],
            "SeeProofRecords": "s3:ListBucket",
        }


def test_the_bucket_policy_denies_deletion_and_lock_changes_to_everyone() -> None:
    # Given the proof bucket's policy
    policy = RESOURCES["ProofBucketPolicy"]["Properties"]
    assert ref(policy["Bucket"]) == "ProofBucket"
    # When its deny statements are collected
    denied = {
        action
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement["Principal"] == "*"
        and "Condition" not in statement
        for action in statement["Action"]
    }
    # Then deleting a record, touching its retention or the lock itself is denied to all
    assert {
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectRetention",
        "s3:BypassGovernanceRetention",
        "s3:PutBucketObjectLockConfiguration",
    } <= denied


# -- settlement fan-out and schedules ---------------------------------------------------

MACHINE = RESOURCES["SettlementStateMachine"]["Properties"]
ASL_PATH = REPO_ROOT / MACHINE["DefinitionUri"]


def test_the_state_machine_definition_matches_the_handlers_it_calls() -> None:
    # Given the state machine's definition file and substitutions
    text = ASL_PATH.read_text(encoding="utf-8")
    definition = json.loads(text)
    substitutions = MACHINE["DefinitionSubstitutions"]
    # When its placeholders and states are read
    placeholders = set(re.findall(r"\$\{(\w+)\}", text))
    apply = definition["States"]["ApplyPageBatches"]
    finish = definition["States"]["FinishRun"]
    task = apply["ItemProcessor"]["States"]["ApplyPages"]
    # Then every placeholder is substituted, and nothing else
    assert placeholders == set(substitutions)
    # And the pages are a Distributed Map whose concurrency comes from the input
    assert apply["Type"] == "Map"
    assert apply["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert apply["ItemsPath"] == "$.batches"
    assert apply["MaxConcurrencyPath"] == "$.max_concurrency"
    assert apply["Next"] == "FinishRun"
    # And each item invokes the shard handler, the end invokes the finish handler
    assert task["Parameters"]["FunctionName"] == "${ShardFunctionArn}"
    assert finish["Parameters"]["FunctionName"] == "${FinishFunctionArn}"
    targets = {
        name: FUNCTIONS[str(value.value).split(".")[0]]["Properties"]["Handler"]
        for name, value in substitutions.items()
        if isinstance(value, CfnTag) and value.tag == "!GetAtt"
    }
    assert targets == {
        "ShardFunctionArn": "functions.handlers.settlement.apply_pages_handler",
        "FinishFunctionArn": "functions.handlers.settlement.finish_handler",
        "ProofFunctionArn": "functions.handlers.proof.handler",
    }
    # And a finished run's day is published last, from the date FinishRun answers
    publish = definition["States"]["PublishProof"]
    assert finish["Next"] == "PublishProof"
    assert publish["End"] is True
    assert publish["Parameters"]["FunctionName"] == "${ProofFunctionArn}"
    assert publish["Parameters"]["Payload"] == {"date.$": "$.date"}


def test_the_execution_input_feeds_the_map_items_the_shard_handler_accepts() -> None:
    # Given the execution input the settlement function builds (infra/events sample)
    sample = json.loads((REPO_ROOT / "infra/events/settlement_execution.json").read_text())
    selector = json.loads(ASL_PATH.read_text())["States"]["ApplyPageBatches"]["ItemSelector"]
    # When the ItemSelector is applied to each batch the way Step Functions does
    items = [
        {
            key.removesuffix(".$"): (
                sample["date"] if path == "$.date" else batch[path.rsplit(".", 1)[1]]
            )
            for key, path in selector.items()
        }
        for batch in sample["batches"]
    ]
    # Then the batches are what page_batches makes and every item parses as a shard task
    assert sample["batches"] == page_batches(23, 10)
    assert [ShardTask.model_validate(item).first for item in items] == [0, 10, 20]
    settlement_env = environment_of("SettlementFunction")
    assert ref(settlement_env["JIFEN_SETTLEMENT_SHARD_COUNT"]) == "SettlementShardCount"
    assert ref(settlement_env["JIFEN_SETTLEMENT_STATE_MACHINE_ARN"]) == "SettlementStateMachine"


@pytest.mark.parametrize("function", ["SettlementFunction", "PayoutFunction"])
def test_the_schedules_send_an_event_the_handlers_parse(function: str) -> None:
    # Given the function's daily schedule
    schedule = FUNCTIONS[function]["Properties"]["Events"]["Daily"]["Properties"]
    assert schedule["ScheduleExpressionTimezone"] == CfnTag("!Ref", "SettlementTimeZone")
    # When the scheduler fills in its input at 00:30 on 2 May in Shanghai
    text = str(schedule["Input"].value)
    for placeholder, value in {
        "${AWS::AccountId}": "123456789012",
        "${AWS::Region}": "ap-east-1",
        "<aws.scheduler.scheduled-time>": "2024-05-01T16:30:00Z",
        "<aws.scheduler.execution-id>": "d32c5kddcf5bb8c3",
        "<aws.scheduler.schedule-arn>": "arn:aws:scheduler:ap-east-1:123456789012:schedule/x/y",
    }.items():
        text = text.replace(placeholder, value)
    # Then the handlers read it as an EventBridge event of that instant
    assert "${" not in text
    assert "<aws." not in text
    zone = ScheduleSettings(time_zone="Asia/Shanghai").zone
    assert settlement_date(json.loads(text), zone) == "2024-05-01"


def test_every_plan_the_template_offers_ships_in_the_package() -> None:
    # Given the PlanName choices
    # When the plan files are listed
    # Then each choice has its file where JIFEN_PLAN_PATH points
    for name in TEMPLATE["Parameters"]["PlanName"]["AllowedValues"]:
        assert (REPO_ROOT / "infra" / "plans" / f"{name}.yaml").is_file()
    assert GLOBAL_ENV["JIFEN_PLAN_PATH"] == CfnTag("!Sub", "infra/plans/${PlanName}.yaml")


# -- packaging and lint --------------------------------------------------------------------


def _requirement_set(lines: list[str]) -> set[str]:
    return {re.sub(r"\s+", "", line).lower() for line in lines if line.strip()}


def test_requirements_txt_lists_the_runtime_dependencies_of_pyproject() -> None:
    # Given pyproject's dependencies and its store, bot, aws and web extras (moto is in none)
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    runtime = list(project["dependencies"])
    for extra in ("store", "bot", "aws", "web"):
        runtime += project["optional-dependencies"][extra]
    assert not [r for r in runtime if r.startswith("moto")], "moto is a dev dependency only"
    expected = _requirement_set(runtime)
    # When requirements.txt (what sam build installs) is read
    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line.strip() and not line.startswith("#")]
    listed = _requirement_set(requirements)
    assert len(listed) == len(requirements), "a requirement is listed twice"
    # Then it lists exactly those, and the time-zone database the Lambda image lacks
    assert any(r.startswith("tzdata") for r in listed)
    assert {r for r in listed if not r.startswith("tzdata")} == {
        r for r in expected if not r.startswith("tzdata")
    }


@pytest.mark.slow
def test_cfn_lint_finds_nothing() -> None:
    # Given template.yaml
    # When cfn-lint checks it (errors, warnings and informational findings)
    from cfnlint import api as lint
    from cfnlint.config import ManualArgs

    matches = lint.lint_file(Path(REPO_ROOT / "template.yaml"), ManualArgs(include_checks=["I"]))
    # Then it finds nothing
    assert [str(match) for match in matches] == []


# -- the Lambda artifact ----------------------------------------------------------------------

NOT_IN_LAMBDA = ("tests", "bench", "local", "moto", "functions.cli", "functions.commands")
"""Packages and modules a function's artifact must neither contain nor need."""


def build_artifact(function: str, into: Path) -> Path:
    """What ``sam build`` packages for ``function``: its Makefile target, pip step skipped."""
    make = shutil.which("make")
    assert make is not None, "make is needed (README: Python 3.11+ and make)"
    subprocess.run(
        [make, "--silent", f"build-{function}", f"ARTIFACTS_DIR={into}", "LAMBDA_PIP=true"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return into


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("artifacts")
    return {name: build_artifact(name, root / name) for name in sorted(FUNCTIONS)}


def files_of(tree: Path) -> dict[str, str]:
    """Every file below ``tree`` (relative POSIX path) with its content's SHA-256."""
    return {
        path.relative_to(tree).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(tree.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_is_built_by_the_makefile(function: str) -> None:
    # Given a function of the template
    resource = FUNCTIONS[function]
    # When its build is looked up
    # Then sam build runs the Makefile's target for it, from the repository root
    assert resource.get("Metadata", {}).get("BuildMethod") == "makefile"
    assert "CodeUri" not in resource["Properties"]
    assert TEMPLATE["Globals"]["Function"]["CodeUri"] == "."


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_the_artifact_holds_only_what_runs_in_lambda(
    function: str, artifacts: dict[str, Path]
) -> None:
    # Given the function's artifact, as its Makefile target builds it
    files = files_of(artifacts[function])
    # When its files are listed
    top = {name.split("/", 1)[0] for name in files}
    modules = {name.removesuffix(".py").replace("/", ".") for name in files}
    # Then it holds the code, the bot, the web side and the plans, and no local tooling,
    # tests or CLI
    assert top == {"functions", "bot", "web", "infra"}
    leaked = sorted(
        name
        for name in modules
        if any(name == banned or name.startswith(banned + ".") for banned in NOT_IN_LAMBDA)
    )
    assert leaked == []
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]
    # And exactly the plan files JIFEN_PLAN_PATH may name, byte for byte
    plans = {name: digest for name, digest in files.items() if name.startswith("infra/")}
    assert plans == {
        f"infra/plans/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (REPO_ROOT / "infra" / "plans").glob("*.yaml")
    }
    # And the handler module the template names is there
    module, _ = handler_of(function)
    assert f"{module.replace('.', '/')}.py" in files
    # And every template and bundled asset of the web side, byte for byte (no CDN: pages
    # render from the package alone)
    web_files = {name: digest for name, digest in files.items() if name.startswith("web/")}
    for folder in ("templates", "static"):
        for path in (REPO_ROOT / "web" / folder).rglob("*"):
            if path.is_file():
                name = path.relative_to(REPO_ROOT).as_posix()
                assert web_files.get(name) == hashlib.sha256(path.read_bytes()).hexdigest(), name


def test_every_module_of_the_artifact_imports_without_local_tooling(
    artifacts: dict[str, Path],
) -> None:
    # Given the artifacts (one build for every function: the same files)
    trees = [files_of(tree) for tree in artifacts.values()]
    assert all(tree == trees[0] for tree in trees)
    tree = next(iter(artifacts.values()))
    dependencies = sysconfig.get_paths()["purelib"]  # this interpreter's: the venv's
    # When every module of it is imported in an interpreter that sees only the artifact
    # and the installed dependencies (no repository, no editable install), with tests/,
    # bench/, local/, moto and the command line out of reach
    probe = textwrap.dedent(
        f"""
        import importlib, importlib.abc, pathlib, sys
        BANNED = {NOT_IN_LAMBDA!r}
        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if any(name == b or name.startswith(b + ".") for b in BANNED):
                    raise ImportError(f"the artifact needs {{name}}")
                return None
        sys.meta_path.insert(0, Refuse())
        root = pathlib.Path({str(tree)!r})
        sys.path[:0] = [str(root), {dependencies!r}]
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            importlib.import_module(name)
            assert sys.modules[name].__file__.startswith(str(root)), name
        print("imported", len(list(root.rglob("*.py"))))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then all of them import, from the artifact
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.startswith("imported ")


def test_alarms_on_our_metrics_match_the_dimension_powertools_emits() -> None:
    # Given every function's Powertools service name (a metric dimension it always adds)
    service = GLOBAL_ENV["POWERTOOLS_SERVICE_NAME"]
    alarms = {
        name: resource["Properties"]
        for name, resource in RESOURCES.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and resource["Properties"].get("Namespace") == GLOBAL_ENV["POWERTOOLS_METRICS_NAMESPACE"]
    }
    # When the alarms on our own metrics are read
    # Then each names that dimension, or it would watch a metric nobody emits
    assert alarms
    for name, properties in alarms.items():
        assert {"Name": "service", "Value": service} in properties.get("Dimensions", []), name
