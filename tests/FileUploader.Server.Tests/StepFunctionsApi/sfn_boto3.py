"""Drives the Step Functions-compatible endpoint with boto3, as a Python user would.

Usage: python3 sfn_boto3.py ENDPOINT_URL COMMAND  (arguments as JSON on stdin, a JSON report on stdout)

  run-cases  stdin: [{"name", "definition", "input"}]; per case: create a state machine, StartSyncExecution,
             report {name, status, output, error, cause}.
  scenario   stdin: {"definition", "waitDefinition"}; create, start, wait, describe, history with the
             paginator, list, stop, and the errors botocore raises; report what it saw.

The tests assert on the report; this script only drives the client and records what it got back.
"""
import json
import sys
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/local"


def client(endpoint):
    # inject_host_prefix=False: StartSyncExecution is modelled on a "sync-" host prefix, which botocore would
    # prepend to 127.0.0.1 (no such host). Retries off so an error is reported at once.
    config = Config(inject_host_prefix=False, retries={"max_attempts": 1, "mode": "standard"})
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCALTEST",
        aws_secret_access_key="local-test-secret",
        config=config,
    )


def error_of(call):
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None


def run_cases(sfn, cases):
    report = []
    for case in cases:
        name = "case-" + uuid.uuid4().hex[:12]
        arn = sfn.create_state_machine(name=name, definition=case["definition"], roleArn=ROLE)["stateMachineArn"]
        result = sfn.start_sync_execution(stateMachineArn=arn, input=case["input"])
        report.append({
            "name": case["name"],
            "status": result["status"],
            "output": result.get("output"),
            "error": result.get("error"),
            "cause": result.get("cause"),
        })
    return report


def wait_until_done(sfn, execution_arn, timeout=30.0):
    # The execution runs on the server; poll DescribeExecution as a boto3 user does (no waiter exists for it).
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def scenario(sfn, args):
    report = {}
    arn = sfn.create_state_machine(name="boto3-" + uuid.uuid4().hex[:8], definition=args["definition"], roleArn=ROLE)["stateMachineArn"]
    report["describeStateMachine"] = {k: v for k, v in sfn.describe_state_machine(stateMachineArn=arn).items()
                                      if k in ("name", "status", "type", "definition", "stateMachineArn")}

    started = sfn.start_execution(stateMachineArn=arn, name="run-1", input=json.dumps({"n": 1}))
    report["startDateIsDatetime"] = hasattr(started["startDate"], "timestamp")
    again = sfn.start_execution(stateMachineArn=arn, name="run-1", input=json.dumps({"n": 1}))
    report["sameNameSameInputSameArn"] = again["executionArn"] == started["executionArn"]
    described = wait_until_done(sfn, started["executionArn"])
    report["describeExecution"] = {"status": described["status"], "output": described.get("output"),
                                   "name": described["name"], "stopAfterStart": described["stopDate"] >= described["startDate"]}

    pages = sfn.get_paginator("get_execution_history").paginate(
        executionArn=started["executionArn"], PaginationConfig={"PageSize": 2})
    page_sizes, events = [], []
    for page in pages:
        page_sizes.append(len(page["events"]))
        events.extend(page["events"])
    report["historyPageSizes"] = page_sizes
    report["historyEvents"] = [{"id": e["id"], "previousEventId": e.get("previousEventId"), "type": e["type"],
                                "details": sorted(k for k in e if k.endswith("EventDetails"))} for e in events]
    whole = sfn.get_execution_history(executionArn=started["executionArn"], maxResults=1000)
    report["historyUnpagedIds"] = [e["id"] for e in whole["events"]]
    reverse = sfn.get_execution_history(executionArn=started["executionArn"], reverseOrder=True, maxResults=1000)
    report["historyReverseIds"] = [e["id"] for e in reverse["events"]]

    listed = sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")
    report["listedSucceeded"] = [e["name"] for e in listed["executions"]]
    machines = [m["stateMachineArn"] for page in sfn.get_paginator("list_state_machines").paginate() for m in page["stateMachines"]]
    report["machineListed"] = arn in machines

    wait_arn = sfn.create_state_machine(name="boto3-wait-" + uuid.uuid4().hex[:8], definition=args["waitDefinition"], roleArn=ROLE)["stateMachineArn"]
    waiting = sfn.start_execution(stateMachineArn=wait_arn, input="{}")
    sfn.stop_execution(executionArn=waiting["executionArn"], error="Operator", cause="stopped by the test")
    stopped = sfn.describe_execution(executionArn=waiting["executionArn"])
    report["stopped"] = {"status": stopped["status"], "error": stopped.get("error"), "cause": stopped.get("cause")}

    sync = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"n": 2}))
    report["sync"] = {"status": sync["status"], "output": sync.get("output")}

    report["errors"] = {
        "startSameNameOtherInput": error_of(lambda: sfn.start_execution(stateMachineArn=arn, name="run-1", input=json.dumps({"n": 99}))),
        "describeMissingExecution": error_of(lambda: sfn.describe_execution(executionArn=arn.replace(":stateMachine:", ":execution:") + ":nope")),
        "describeMissingMachine": error_of(lambda: sfn.describe_state_machine(stateMachineArn=arn + "-missing")),
        "describeBadArn": error_of(lambda: sfn.describe_state_machine(stateMachineArn="not-an-arn")),
        "createBadDefinition": error_of(lambda: sfn.create_state_machine(name="bad", definition='{"StartAt": "Nowhere", "States": {}}', roleArn=ROLE)),
    }
    return report


def main():
    endpoint, command = sys.argv[1], sys.argv[2]
    args = json.load(sys.stdin)
    sfn = client(endpoint)
    if command == "run-cases":
        result = run_cases(sfn, args)
    elif command == "scenario":
        result = scenario(sfn, args)
    else:
        raise SystemExit("unknown command " + command)
    json.dump(result, sys.stdout, default=str)


if __name__ == "__main__":
    main()
