"""template.yml and deploy/policy.json checked against the code they deploy.

Each check is a function that returns a list of problems, so the tests can
show both that the real files pass and that a mutated copy fails.
"""

import copy
import json

import pytest

from opendb import oss, rds
from opendb.events import cloudevents, common, parse_event
from opendb.events import oss as oss_events
from opendb.notices import UPLOAD_EVENT_NAMES
from opendb.settings import VARIABLES
from opendb_local import samples
from packaged import (
    ACCOUNT_ID,
    POLICY,
    build_code_zip,
    function_props,
    load_template,
    references,
    resolve,
    resolved_props,
    run_clean,
    site_packages,
)

# Action the function's role needs so that FC can send an event whose
# retries are exhausted to the MNS queue of asyncInvokeConfig.
FAILURE_DESTINATION_ACTIONS = {"mns:SendMessage"}
POLICY_PLACEHOLDERS = {
    "<region>", "<account-id>", "<instance-id>", "<backup-bucket>", "<backup-prefix>",
    "<failure-bucket>", "<failure-prefix>", "<failure-queue>",
}


@pytest.fixture(scope="module")
def template():
    return load_template()


@pytest.fixture(scope="module")
def policy():
    return json.loads(POLICY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def code_zip(tmp_path_factory):
    return build_code_zip(tmp_path_factory.mktemp("code") / "opendb-code.zip")


def trigger_of_type(props, trigger_type):
    found = [trigger for trigger in props["triggers"] if trigger["triggerType"] == trigger_type]
    assert len(found) == 1, f"expected one {trigger_type} trigger, found {len(found)}"
    return found[0]


# References to variables.


def reference_problems(template):
    problems = []
    for expression in references(template["resources"]):
        if expression.startswith("vars."):
            if expression[len("vars."):] not in template["vars"]:
                problems.append(f"${{{expression}}} names no variable under vars")
        elif expression != "config('AccountID')":
            problems.append(f"${{{expression}}} is not a reference this template uses")
    return problems


def test_template_references_defined():
    assert reference_problems(load_template()) == []


def test_template_misspelt_variable_detected(template):
    mutated = copy.deepcopy(template)
    function_props(mutated)["role"] = "${vars.roleARN}"
    assert reference_problems(mutated) == ["${vars.roleARN} names no variable under vars"]


def test_template_variables_all_used(template):
    used = {expression[len("vars."):] for expression in references(template["resources"]) if expression.startswith("vars.")}
    assert set(template["vars"]) == used


# Runtime, handler and initializer.


RESOLVE_HANDLERS = """
import importlib
code_zip = sys.argv[1]
for spec in sys.argv[2:]:
    module_name, _, attribute = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        print(f"{spec}: module {module_name!r} cannot be imported: {error}")
        continue
    origin = getattr(module, "__file__", "") or ""
    if not origin.startswith(code_zip):
        print(f"{spec}: module {module_name!r} comes from {origin}, not from the code zip")
        continue
    if not callable(getattr(module, attribute, None)):
        print(f"{spec}: module {module_name!r} has no callable {attribute!r}")
for name, module in sorted(sys.modules.items()):
    if name.split(".")[0] in ("opendb", "opendb_local"):
        origin = getattr(module, "__file__", "") or ""
        if not origin.startswith(code_zip):
            print(f"{name} comes from {origin}, not from the code zip")
"""


def handler_problems(props, code_zip):
    """Import each handler of ``props`` from the code zip in a clean interpreter."""
    handlers = [props["handler"], props["instanceLifecycleConfig"]["initializer"]["handler"]]
    result = run_clean(RESOLVE_HANDLERS, [str(code_zip), site_packages()], str(code_zip), *handlers)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_runtime_is_python310(template):
    assert function_props(template)["runtime"] == "python3.10"


def test_handlers_resolve_in_code_zip(template, code_zip):
    assert handler_problems(function_props(template), code_zip) == []


def test_misspelt_handler_detected(template, code_zip):
    props = copy.deepcopy(function_props(template))
    props["handler"] = "index.handlr"
    assert handler_problems(props, code_zip) == ["index.handlr: module 'index' has no callable 'handlr'"]


def test_misspelt_initializer_module_detected(template, code_zip):
    props = copy.deepcopy(function_props(template))
    props["instanceLifecycleConfig"]["initializer"]["handler"] = "main.initializer"
    problems = handler_problems(props, code_zip)
    assert len(problems) == 1
    assert problems[0].startswith("main.initializer: module 'main' cannot be imported")


def test_code_is_packaged_zip(template):
    assert function_props(template)["code"] == "./build/opendb-code.zip"


# Environment variables.


def environment_problems(props):
    expected = {variable.name for variable in VARIABLES if not variable.set_by_fc}
    declared = set(props["environmentVariables"])
    problems = [f"{name} is read by the code but not set" for name in sorted(expected - declared)]
    problems += [f"{name} is set but the code does not read it" for name in sorted(declared - expected)]
    return problems


def test_environment_matches_settings(template):
    assert environment_problems(function_props(template)) == []


def test_missing_variable_detected(template):
    props = copy.deepcopy(function_props(template))
    del props["environmentVariables"]["OPENDB_FAILURE_BUCKET"]
    assert environment_problems(props) == ["OPENDB_FAILURE_BUCKET is read by the code but not set"]


def test_variable_set_by_fc_detected(template):
    props = copy.deepcopy(function_props(template))
    props["environmentVariables"]["FC_REGION"] = "cn-hangzhou"
    assert environment_problems(props) == ["FC_REGION is set but the code does not read it"]


def test_environment_values_are_strings(template):
    for name, value in function_props(template)["environmentVariables"].items():
        assert isinstance(value, str), f"{name}={value!r} must be quoted: FC takes strings only"


def test_environment_literals_equal_defaults(template):
    defaults = {variable.name: variable.default or "" for variable in VARIABLES}
    for name, value in function_props(template)["environmentVariables"].items():
        if not references(value):
            assert value == defaults[name], f"{name} is {value!r} in template.yml but {defaults[name]!r} in the code"


def test_environment_allow_lists_follow_trigger(template):
    props = resolved_props(template)
    environment = props["environmentVariables"]
    trigger = trigger_of_type(props, "oss")
    assert trigger["sourceArn"].rsplit(":", 1)[1] == environment["OPENDB_ALLOWED_BUCKETS"]
    assert trigger["triggerConfig"]["filter"]["key"]["prefix"] == environment["OPENDB_ALLOWED_PREFIXES"]


# OSS trigger.


def oss_event_problems(trigger):
    events = trigger["triggerConfig"]["events"]
    problems = [f"{name} lacks the {oss_events.EVENT_NAME_PREFIX!r} prefix" for name in events
                if not name.startswith(oss_events.EVENT_NAME_PREFIX)]
    names = {oss_events.strip_event_prefix(name) for name in events}
    problems += [f"{name} is skipped by the parser" for name in sorted(names - UPLOAD_EVENT_NAMES)]
    problems += [f"{name} is an upload but not configured" for name in sorted(UPLOAD_EVENT_NAMES - names)]
    return problems


def test_oss_trigger_events_are_uploads(template):
    assert oss_event_problems(trigger_of_type(function_props(template), "oss")) == []


def test_oss_trigger_extra_event_detected(template):
    trigger = copy.deepcopy(trigger_of_type(function_props(template), "oss"))
    trigger["triggerConfig"]["events"].append("oss:ObjectCreated:AppendObject")
    assert oss_event_problems(trigger) == ["ObjectCreated:AppendObject is skipped by the parser"]


def test_oss_trigger_unprefixed_event_detected(template):
    trigger = copy.deepcopy(trigger_of_type(function_props(template), "oss"))
    trigger["triggerConfig"]["events"][0] = "ObjectCreated:PutObject"
    assert oss_event_problems(trigger) == ["ObjectCreated:PutObject lacks the 'oss:' prefix"]


def test_oss_trigger_filters_set(template):
    key_filter = trigger_of_type(function_props(template), "oss")["triggerConfig"]["filter"]["key"]
    assert set(key_filter) == {"prefix", "suffix"}
    assert key_filter["prefix"] == "${vars.backupPrefix}"
    assert key_filter["suffix"] == "${vars.backupSuffix}"


def test_oss_trigger_events_parse_as_uploads(template):
    props = resolved_props(template)
    trigger = trigger_of_type(props, "oss")
    bucket = trigger["sourceArn"].rsplit(":", 1)[1]
    key = trigger["triggerConfig"]["filter"]["key"]["prefix"] + "sales/sales_log_3.trn"
    for name in trigger["triggerConfig"]["events"]:
        event = samples.oss_event(bucket=bucket, key=key, event_name=oss_events.strip_event_prefix(name))
        [notice] = parse_event(json.dumps(event).encode())
        assert notice.source == common.SOURCE_OSS
        assert notice.error is None
        assert notice.skip_reason is None
        assert notice.object.bucket == bucket


# MNS topic trigger.


def topic_problems(trigger):
    config = trigger["triggerConfig"]
    problems = []
    if config.get("notifyContentFormat") != "JSON":
        problems.append(
            f"notifyContentFormat is {config.get('notifyContentFormat')!r}: STREAM drops MessageId and "
            "TopicName, so the parser reports a JSON body as a direct request"
        )
    if config.get("notifyStrategy") not in ("BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"):
        problems.append(f"notifyStrategy {config.get('notifyStrategy')!r} is not an MNS retry strategy")
    return problems


def test_topic_trigger_json(template):
    assert topic_problems(trigger_of_type(function_props(template), "mns_topic")) == []


def test_topic_trigger_stream_detected(template):
    trigger = copy.deepcopy(trigger_of_type(function_props(template), "mns_topic"))
    trigger["triggerConfig"]["notifyContentFormat"] = "STREAM"
    assert len(topic_problems(trigger)) == 1


def test_topic_trigger_event_parses(template):
    props = resolved_props(template)
    topic = trigger_of_type(props, "mns_topic")["sourceArn"].rsplit("/topics/", 1)[1]
    event = samples.mns_topic_json(samples.request_body())
    event["TopicName"] = topic
    [notice] = parse_event(json.dumps(event).encode())
    assert notice.source == common.SOURCE_MNS_TOPIC
    assert notice.error is None
    assert notice.parameters["DBInstanceId"] == samples.REQUEST_PARAMETERS["DBInstanceId"]
    assert notice.ids["topic"] == topic


# MNS queue trigger through EventBridge.


def queue_problems(trigger, function_name):
    config = trigger["triggerConfig"]
    pattern = json.loads(config["eventRuleFilterPattern"])
    problems = []
    if pattern.get("type") != [cloudevents.QUEUE_SEND_MESSAGE]:
        problems.append(f"filter type {pattern.get('type')!r} is not [{cloudevents.QUEUE_SEND_MESSAGE!r}]")
    expected_source = f"MNS-{function_name}-{trigger['triggerName']}"
    if pattern.get("source") != [expected_source]:
        problems.append(f"filter source {pattern.get('source')!r} is not [{expected_source!r}]")
    if config["eventSourceConfig"]["eventSourceType"] != "MNS":
        problems.append("event source is not MNS")
    if config["eventSinkConfig"]["deliveryOption"]["eventSchema"] != "CloudEvents":
        problems.append("eventSchema is not CloudEvents, the only queue form the parser reads")
    if config["asyncInvocationType"] is not True:
        problems.append("asyncInvocationType is not true, so asyncInvokeConfig would not apply")
    return problems


def test_queue_trigger_matches_parser(template):
    props = resolved_props(template)
    trigger = trigger_of_type(props, "eventbridge")
    assert queue_problems(trigger, props["functionName"]) == []


def test_queue_trigger_raw_data_detected(template):
    props = resolved_props(template)
    trigger = copy.deepcopy(trigger_of_type(props, "eventbridge"))
    trigger["triggerConfig"]["eventSinkConfig"]["deliveryOption"]["eventSchema"] = "RawData"
    assert queue_problems(trigger, props["functionName"]) == [
        "eventSchema is not CloudEvents, the only queue form the parser reads"
    ]


def test_queue_trigger_batches(template):
    run_options = trigger_of_type(function_props(template), "eventbridge")["triggerConfig"]["runOptions"]
    assert run_options["mode"] == "event-streaming"
    # Ranges from the fc3 component's trigger documentation.
    assert 1 <= run_options["batchWindow"]["CountBasedWindow"] <= 10000
    assert 0 <= run_options["batchWindow"]["TimeBasedWindow"] <= 15


def test_queue_trigger_batch_parses(template):
    props = resolved_props(template)
    trigger = trigger_of_type(props, "eventbridge")
    pattern = json.loads(trigger["triggerConfig"]["eventRuleFilterPattern"])
    queue = trigger["triggerConfig"]["eventSourceConfig"]["eventSourceParameters"]["sourceMNSParameters"]["QueueName"]
    batch = samples.mns_queue_batch([samples.request_body(), samples.request_body(encode=True)])
    for event in batch:
        event["source"] = pattern["source"][0]
        event["subject"] = f"acs:mns:{props['region']}:{ACCOUNT_ID}:queues/{queue}"
        assert event["type"] in pattern["type"]
    notices = parse_event(json.dumps(batch).encode())
    assert len(notices) == 2
    for notice in notices:
        assert notice.source == common.SOURCE_MNS_QUEUE
        assert notice.error is None
        assert notice.parameters["DBName"] == samples.REQUEST_PARAMETERS["DBName"]
        assert notice.ids["queue"] == queue


# Asynchronous invocation, logs, sizes.


def test_async_failure_destination_is_queue(template):
    props = resolved_props(template)
    destination = props["asyncInvokeConfig"]["destinationConfig"]["onFailure"]["destination"]
    queue = template["vars"]["failureQueue"]
    assert destination == f"acs:mns:{props['region']}:{ACCOUNT_ID}:/queues/{queue}/messages"


def test_async_limits_within_fc_ranges(template):
    config = function_props(template)["asyncInvokeConfig"]
    # Ranges from the fc3 component's JSON schema (IAsyncInvokeConfig).
    assert 0 <= config["maxAsyncRetryAttempts"] <= 8
    assert 1 <= config["maxAsyncEventAgeInSeconds"] <= 2592000


def test_log_config_one_line_per_entry(template):
    log_config = function_props(template)["logConfig"]
    assert log_config["project"] == "${vars.logProject}"
    assert log_config["logstore"] == "${vars.logstore}"
    assert log_config["logBeginRule"] == "None"


def test_function_limits_within_fc_ranges(template):
    props = function_props(template)
    # Ranges from the fc3 component's JSON schema.
    assert props["memorySize"] % 64 == 0
    assert 128 <= props["memorySize"] <= 32768
    assert 1 <= props["timeout"] <= 86400
    assert props["instanceConcurrency"] == 1
    assert props["instanceLifecycleConfig"]["initializer"]["timeout"] >= 1
    # FC 3.0 requires memory in GB between 1 and 4 times the vCPU count.
    assert 1 <= (props["memorySize"] / 1024) / props["cpu"] <= 4


def test_deadline_margin_below_timeout(template):
    props = function_props(template)
    margin = float(props["environmentVariables"]["OPENDB_DEADLINE_MARGIN"])
    http_timeout = float(props["environmentVariables"]["OPENDB_HTTP_TIMEOUT"])
    assert margin + http_timeout < props["timeout"]


def test_layer_and_role_are_variables(template):
    props = function_props(template)
    assert props["layers"] == ["${vars.layerArn}"]
    assert props["role"] == "${vars.roleArn}"


# RAM policy.


def policy_problems(policy):
    expected = {f"rds:{action}" for action in rds.ACTIONS} | set(oss.ACTIONS) | FAILURE_DESTINATION_ACTIONS
    granted = set()
    problems = []
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow":
            problems.append(f"statement with Effect {statement['Effect']!r}")
        granted |= set(statement["Action"])
        for resource in statement["Resource"]:
            if resource == "*" or resource.endswith(":*"):
                problems.append(f"{statement['Action']} on unrestricted resource {resource!r}")
    problems += [f"{action} is granted but never used" for action in sorted(granted - expected)]
    problems += [f"{action} is used but not granted" for action in sorted(expected - granted)]
    return problems


def test_policy_grants_exactly_used_actions(policy):
    assert policy_problems(policy) == []


def test_policy_extra_permission_detected(policy):
    mutated = copy.deepcopy(policy)
    mutated["Statement"][1]["Action"].append("oss:DeleteObject")
    assert policy_problems(mutated) == ["oss:DeleteObject is granted but never used"]


def test_policy_unrestricted_resource_detected(policy):
    mutated = copy.deepcopy(policy)
    mutated["Statement"][0]["Resource"] = ["*"]
    assert len(policy_problems(mutated)) == 1


def fill_policy(policy, values, instances):
    """Replace the placeholders, with one rds resource per allowed instance."""
    text = json.dumps(policy)
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    filled = json.loads(text)
    for statement in filled["Statement"]:
        expanded = []
        for resource in statement["Resource"]:
            if "<instance-id>" in resource:
                expanded += [resource.replace("<instance-id>", instance) for instance in instances]
            else:
                expanded.append(resource)
        statement["Resource"] = expanded
    return filled


def resources_for(filled, action):
    return [resource for statement in filled["Statement"] if action in statement["Action"] for resource in statement["Resource"]]


def test_policy_placeholders_known(policy):
    text = json.dumps(policy)
    found = {token for token in POLICY_PLACEHOLDERS if token in text}
    assert found == POLICY_PLACEHOLDERS
    filled = fill_policy(policy, {token: "x" for token in POLICY_PLACEHOLDERS}, ["rm-x"])
    assert "<" not in json.dumps(filled)


def test_policy_matches_template(policy, template):
    variables = template["vars"]
    props = resolved_props(template)
    instances = props["environmentVariables"]["OPENDB_ALLOWED_INSTANCES"].split(",")
    filled = fill_policy(policy, {
        "<region>": variables["region"],
        "<account-id>": ACCOUNT_ID,
        "<backup-bucket>": variables["backupBucket"],
        "<backup-prefix>": variables["backupPrefix"],
        "<failure-bucket>": variables["failureBucket"],
        "<failure-prefix>": variables["failurePrefix"],
        "<failure-queue>": variables["failureQueue"],
    }, instances)

    rds_resources = {f"acs:rds:{variables['region']}:{ACCOUNT_ID}:dbinstance/{instance}" for instance in instances}
    for action in rds.ACTIONS:
        assert set(resources_for(filled, f"rds:{action}")) == rds_resources
    backup = f"acs:oss:*:{ACCOUNT_ID}:{variables['backupBucket']}/{variables['backupPrefix']}*"
    assert resources_for(filled, "oss:GetObject") == [backup]
    failures = f"acs:oss:*:{ACCOUNT_ID}:{variables['failureBucket']}/{variables['failurePrefix']}*"
    assert resources_for(filled, "oss:PutObject") == [failures]
    destination = props["asyncInvokeConfig"]["destinationConfig"]["onFailure"]["destination"]
    assert resources_for(filled, "mns:SendMessage") == [destination]
