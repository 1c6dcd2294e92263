"""Recomputes a request's SigV4 signature with botocore's signer, as an independent check of another signer.

stdin: {"method", "url", "headers": {name: value}, "body" (text), "accessKey", "secretKey", "region", "service"}
stdout: {"signature": hex, "signedHeaders": "a;b;c"}

Only the headers the request itself lists in its Authorization header's SignedHeaders are given to botocore, and
the request's own X-Amz-Date is used as the signing time, so the result is the signature the request should carry.
"""
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

args = json.load(sys.stdin)
headers = {k.lower(): v for k, v in args["headers"].items()}
authorization = headers["authorization"]
signed = authorization.split("SignedHeaders=")[1].split(",")[0].strip().split(";")
request = AWSRequest(method=args["method"], url=args["url"], data=args["body"].encode("utf-8"),
                     headers={name: headers[name] for name in signed})
request.context["timestamp"] = headers["x-amz-date"]
auth = SigV4Auth(Credentials(args["accessKey"], args["secretKey"]), args["service"], args["region"])
canonical = auth.canonical_request(request)
string_to_sign = auth.string_to_sign(request, canonical)
json.dump({"signature": auth.signature(string_to_sign, request), "signedHeaders": ";".join(signed)}, sys.stdout)
