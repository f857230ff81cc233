"""openapi/openapi.json: a valid OpenAPI 3.1 document, consistent with the gateway's rules, and
the exact bytes `threadgate serve` answers at GET /openapi.json.

Run with tests/contract/run.sh (venv with openapi-spec-validator; THREADGATE_BIN set). The route
table itself is compared with the document by the Swift test `openAPIDocumentMatchesRoutes`.
"""

import json
import os
import pathlib
import signal
import subprocess
import tempfile
import urllib.request

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

REPO = pathlib.Path(__file__).resolve().parents[2]
DOCUMENT_PATH = REPO / "openapi" / "openapi.json"
OPERATION_KEYS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture(scope="module")
def raw():
    return DOCUMENT_PATH.read_bytes()


@pytest.fixture(scope="module")
def document(raw):
    return json.loads(raw)


def operations(document):
    for path, item in document["paths"].items():
        for method in OPERATION_KEYS:
            if method in item:
                yield path, method, item[method]


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    errors = [str(error) for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []
    validate(document, cls=OpenAPIV31SpecValidator)


def test_document_is_readable_json_with_two_space_indent(raw, document):
    assert raw.endswith(b"\n") and b"\r" not in raw
    assert raw.decode("utf-8") == json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def test_every_operation_is_named_once_and_tagged(document):
    ids = [operation.get("operationId") for _, _, operation in operations(document)]
    assert None not in ids
    assert len(ids) == len(set(ids))
    assert all(operation.get("tags") for _, _, operation in operations(document))


def test_authentication_and_roles_are_documented(document):
    assert document["security"] == [{"bearerAuth": []}]
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        if path.startswith(("/v1/", "/admin/v1/")):
            assert "security" not in operation, f"{where} must use the bearer token"
            assert "401" in operation["responses"], where
        else:
            assert operation.get("security") == [], f"{where} is an ops route: no token"
        if path.startswith("/admin/v1/"):
            assert "403" in operation["responses"], where
        else:
            assert "403" not in operation["responses"], where


def test_error_responses_use_the_public_shape(document):
    responses = document["components"]["responses"]
    for name, response in responses.items():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, name
        example = response["content"]["application/json"]["example"]["error"]
        assert list(example) == ["message", "type", "param", "code"], name
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]
    for name in ("RateLimited", "ServiceUnavailable"):
        assert "Retry-After" in responses[name]["headers"], name
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["message", "type", "param", "code"]


def test_path_parameters_are_declared(document):
    for path, item in document["paths"].items():
        names = {segment[1:-1] for segment in path.split("/") if segment.startswith("{")}
        declared = set()
        for parameter in item.get("parameters", []):
            name = parameter["$ref"].rsplit("/", 1)[-1]
            declared.add(document["components"]["parameters"][name]["name"])
        assert names == declared, path


def test_lists_use_the_list_envelope(document):
    schemas = document["components"]["schemas"]
    envelope = schemas["ListEnvelope"]
    assert envelope["required"] == ["object", "data", "first_id", "last_id", "has_more"]
    for name in ("ThreadList", "AdminThreadList", "MessageList", "RunList", "RunStepList", "AssistantList",
                 "UserList"):
        assert schemas[name]["allOf"][0] == {"$ref": "#/components/schemas/ListEnvelope"}, name


def test_serve_answers_with_the_committed_bytes(raw):
    binary = os.environ.get("THREADGATE_BIN")
    if not binary:
        pytest.skip("THREADGATE_BIN is not set (tests/contract/run.sh sets it)")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["LOG_LEVEL"] = "info"
    # From an empty directory: the document is embedded, not read from the working directory.
    with tempfile.TemporaryDirectory() as empty:
        process = subprocess.Popen(
            [os.path.abspath(binary), "serve", "--host", "127.0.0.1", "--port", "0", "--workers", "1"],
            cwd=empty, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        try:
            port = None
            for _ in range(50):
                line = process.stdout.readline()
                if not line:
                    break
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("msg") == "listening":
                    port = int(entry["port"])
                    break
            assert port, "threadgate serve did not log 'listening'"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=10) as response:
                assert response.status == 200
                assert response.headers["Content-Type"] == "application/json"
                assert response.read() == raw
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
