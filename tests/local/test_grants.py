"""IAM's decision for a function's policy statements (twin_ops/local/function_host.allowed), and the
(action, resource) each SDK call needs. Expected values are IAM's documented evaluation logic and
the Service Authorization Reference, written here by hand."""

from __future__ import annotations

from unittest import mock

import pytest

from twin_ops.local.function_host import allowed, iam_decisions, iam_requests

TABLE = "arn:aws:dynamodb:eu-central-1:123456789012:table/hot"
PUT_COLD = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cold/*"}
SECRET = "arn:aws:secretsmanager:r:1:secret:t/token"
WRITE = {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:BatchWriteItem"], "Resource": TABLE}


@pytest.mark.parametrize(("statements", "action", "resource", "expected"), [
    ([], "dynamodb:PutItem", TABLE, False),  # no statement: implicitly denied
    ([WRITE], "dynamodb:PutItem", TABLE, True),
    ([WRITE], "DynamoDB:putitem", TABLE, True),  # action names are case-insensitive
    ([WRITE], "dynamodb:Query", TABLE, False),
    ([WRITE], "dynamodb:PutItem", TABLE.upper(), False),  # resources are case-sensitive
    ([WRITE, {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}], "dynamodb:PutItem", TABLE, False),  # Deny wins
    ([PUT_COLD], "s3:PutObject", "arn:aws:s3:::cold/a/b.json", True),
    ([PUT_COLD], "s3:PutObject", "arn:aws:s3:::cold", False),
    ([{**PUT_COLD, "Resource": "arn:aws:s3:::c.ld/*"}], "s3:PutObject", "arn:aws:s3:::cold/x", False),  # `.` is literal
    ([{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:r:1:secret:t/token-??????"}],
     "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:r:1:secret:t/token-AbC123", True),
    ([{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:r:1:secret:t/token-??????"}],
     "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:r:1:secret:t/token-AbC1234", False),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "sqs:SendMessage", "arn:aws:sqs:r:1:q", True),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "iam:PassRole", "arn:aws:iam::1:role/x", False),
    ([{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::secret/*"}], "s3:GetObject", "arn:aws:s3:::secret/k", False),
    ([{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::secret/*"}], "s3:GetObject", "arn:aws:s3:::open/k", True),
])
def test_iam_decides_as_documented(statements, action, resource, expected):
    assert allowed(statements, action, resource) is expected


@pytest.mark.parametrize(("service", "operation", "params", "expected"), [
    ("dynamodb", "BatchWriteItem", {"RequestItems": {"hot": []}}, [("dynamodb:BatchWriteItem", "arn:aws:dynamodb:r:1:table/hot")]),
    ("dynamodb", "Query", {"TableName": "hot", "IndexName": "by-time"},
     [("dynamodb:Query", "arn:aws:dynamodb:r:1:table/hot/index/by-time")]),
    ("lambda", "Invoke", {"FunctionName": "f"}, [("lambda:InvokeFunction", "arn:aws:lambda:r:1:function:f")]),
    ("s3", "ListObjectsV2", {"Bucket": "b"}, [("s3:ListBucket", "arn:aws:s3:::b")]),
    ("s3", "CopyObject", {"Bucket": "b", "Key": "k", "CopySource": {"Bucket": "a", "Key": "j"}},
     [("s3:PutObject", "arn:aws:s3:::b/k"), ("s3:GetObject", "arn:aws:s3:::a/j")]),
    ("sqs", "SendMessage", {"QueueUrl": "http://127.0.0.1:5/1/failed"}, [("sqs:SendMessage", "arn:aws:sqs:r:1:failed")]),
    ("secretsmanager", "GetSecretValue", {"SecretId": "t/token"}, [("secretsmanager:GetSecretValue", f"{SECRET}-AbC123")]),
    ("ssm", "GetParameter", {"Name": "/t/url"}, [("ssm:GetParameter", "arn:aws:ssm:r:1:parameter/t/url")]),
    ("iot", "Publish", {"topic": "dt/t/d/feedback"}, [("iot:Publish", "arn:aws:iot:r:1:topic/dt/t/d/feedback")]),
])
def test_each_call_needs_the_action_and_resource_iam_authorizes(service, operation, params, expected):
    assert iam_requests(service, operation, params, "r", "1", {"t/token": f"{SECRET}-AbC123"}) == expected


def test_a_functions_decisions_are_made_once_a_pair_and_stay_iams():
    """The host decides each (action, resource) once (function_host.iam_decisions): every pair still
    gets its own decision, the same as IAM's, asked in any order and again."""
    statements = [WRITE, PUT_COLD, {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cold/private/*"}]
    pairs = [  # (action, resource, IAM's decision), each asked twice, neighbours differing in one part
        ("dynamodb:PutItem", TABLE, True), ("dynamodb:Query", TABLE, False), ("dynamodb:PutItem", TABLE + "-x", False),
        ("s3:PutObject", "arn:aws:s3:::cold/a.json", True), ("s3:PutObject", "arn:aws:s3:::cold/private/a.json", False),
        ("s3:GetObject", "arn:aws:s3:::cold/a.json", False), ("s3:PutObject", "arn:aws:s3:::cold/b.json", True),
    ]
    decide = iam_decisions(statements)
    assert [decide(action, resource) for action, resource, _ in pairs * 2] == [expected for _, _, expected in pairs * 2]
    calls = []
    counted = iam_decisions([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    with mock.patch("twin_ops.local.function_host._wildcards", side_effect=lambda *a: calls.append(a) or True):
        for _ in range(3):
            counted("s3:PutObject", "arn:aws:s3:::cold/a.json")
    assert len(calls) == 2  # the Action and the Resource of one statement, matched once for the three calls
