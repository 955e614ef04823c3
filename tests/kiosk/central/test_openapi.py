"""docs/openapi.json is the API the reference centre serves: the same routes, the same limits,
and every answer the real server gives (on loopback) valid against the documented schema for
that call and status; what the kiosk sends valid against the documented request bodies."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kiosk.base.central import DossierUpload
from kiosk.base.dossier import CODE_PATTERN
from kiosk.central import protocol as p
from kiosk.central import signatures as sig
from kiosk.central.reference.limits import Limits
from kiosk.central.reference.server import ROUTES
from offline_cache.sealing import seal
from tests.central_helpers import KIOSK_ID, Central, connect, head, start_central, status_of

ROOT = Path(__file__).resolve().parents[3]
DOC = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
URI = "urn:vn-kiosk:central-api"
REGISTRY = Registry().with_resource(
    URI, Resource.from_contents(DOC, default_specification=DRAFT202012)
)


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def ref_parts(ref: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/")]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (components/responses, parameters) to what it names."""
    while "$ref" in node:
        target: Any = DOC
        for part in ref_parts(node["$ref"]):
            target = target[part]
        node = target
    return node


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOC["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def validate(instance: object, *location: str) -> None:
    schema = {"$ref": f"{URI}#/{_pointer(*location)}"}
    Draft202012Validator(schema, registry=REGISTRY).validate(instance)


def _all_refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _all_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_refs(value)


# The document and the server's own tables --------------------------------------------------
def test_the_document_is_openapi_3_1_and_every_reference_resolves() -> None:
    assert DOC["openapi"].startswith("3.1.")
    for ref in _all_refs(DOC):
        assert ref.startswith("#/"), ref
        resolve({"$ref": ref})  # a KeyError names a dangling reference
    for schema in DOC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_route_the_server_serves_is_documented_and_nothing_else() -> None:
    served = {(method, path) for method, path, *_ in ROUTES}
    documented = {(method, path) for method, path, _ in operations()}
    assert served == documented


def test_the_documented_limits_are_the_servers() -> None:
    routes = {(method, path): (cap, idempotent) for method, path, _, cap, idempotent in ROUTES}
    for method, path, operation in operations():
        cap, idempotent = routes[(method, path)]
        assert operation["x-max-body-bytes"] == cap, path
        names = {resolve(param)["name"] for param in operation["parameters"]}
        assert ("Idempotency-Key" in names) == idempotent, path
        assert {"Signature-Input", "Signature", "Content-Digest"} <= names
    schemas, parameters = DOC["components"]["schemas"], DOC["components"]["parameters"]
    assert parameters["Idempotency-Key"]["schema"]["pattern"] == p.IDEMPOTENCY_KEY.pattern
    assert schemas["ProcedureCode"]["pattern"] == p.PROCEDURE_CODE.pattern
    assert schemas["LookUp"]["properties"]["id_number"]["pattern"] == p.ID_NUMBER.pattern
    assert schemas["DossierCode"]["pattern"] == CODE_PATTERN.pattern
    assert f"{p.MAX_SKEW_S} s" in DOC["info"]["description"]


# Real answers against the documented schemas -------------------------------------------------
class Exchange:
    """Signed calls to the running centre, each answer checked against the document."""

    def __init__(self, central: Central) -> None:
        self.central = central
        self.key = p.load_ed25519_private(central.credential)
        self.session = requests.Session()
        self.seen: set[tuple[str, str, int]] = set()

    def call(
        self,
        method: str,
        path: str,
        template: str,
        body: object = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> requests.Response:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        fields = dict(headers or {})
        fields.update(
            sig.sign_request(self.key, KIOSK_ID, method, path, fields, data, int(time.time()))
        )
        if data:
            fields["Content-Type"] = "application/json"
            if raw is None:  # what the kiosk sends must itself be valid
                validate(body, "paths", template, method.lower(), "requestBody", "content",
                         "application/json", "schema")  # fmt: skip
        answer = self.session.request(
            method, self.central.running.url + path, data=data, headers=fields, timeout=30
        )
        self.check(method, template, answer.status_code, answer.content, answer.headers)
        return answer

    def check(self, method: str, template: str, status: int, body: bytes, headers: Any) -> None:
        responses = DOC["paths"][template][method.lower()]["responses"]
        assert str(status) in responses, f"{method} {template} answered {status}: {body!r}"
        documented = resolve(responses[str(status)])
        for name in documented.get("headers", {}):
            assert name in headers, f"{method} {template} {status} without {name}"
        if "content" in documented:
            validate(json.loads(body), *_schema_location(method, template, str(status)))
        else:
            assert body == b""
        self.seen.add((method, template, status))


def _schema_location(method: str, template: str, status: str) -> tuple[str, ...]:
    node = DOC["paths"][template][method.lower()]["responses"][status]
    if "$ref" in node:
        return (*ref_parts(node["$ref"]), "content", "application/json", "schema")
    return ("paths", template, method.lower(), "responses", status, "content",
            "application/json", "schema")  # fmt: skip


@pytest.fixture
def exchange(tmp_path: Path):
    limits = Limits(failed_lookups_per_code=2, lookups_per_kiosk=20)
    central = start_central(tmp_path, limits)
    central.service.publish_catalogue(b'{"version": "2026.12.1"}')
    yield Exchange(central)
    central.running.stop()


def _upload(central: Central, number: int, kiosk: int = 3) -> dict[str, Any]:
    code = f"000.00.01.H01-261120-K{kiosk:02d}{number:04d}"
    fee = {"status": "to_pay", "amount_vnd": 200000, "reference": code}
    content = json.dumps({"code": code, "citizen": {"id_number": "001090012345"}, "payment": fee})
    sealed = seal(content.encode(), central.service.seal_key.public_key(), code.encode())
    upload = DossierUpload(code, "CT-TT", datetime(2026, 11, 20, 9), date(2026, 11, 25), sealed)
    return json.loads(upload.to_json())


def test_the_real_servers_answers_are_the_documented_ones(exchange: Exchange) -> None:
    central, call = exchange.central, exchange.call
    dossiers, status = "/v1/dossiers", "/v1/dossiers/{code}/status"
    good = _upload(central, 1)
    key = {p.H_IDEMPOTENCY: "k" * 32}
    assert call("POST", dossiers, dossiers, good, key).status_code == 201
    assert call("POST", dossiers, dossiers, good, key).status_code == 200
    assert call("POST", dossiers, dossiers, _upload(central, 2), key).status_code == 409
    assert call("POST", dossiers, dossiers, good, {p.H_IDEMPOTENCY: "short"}).status_code == 400
    foreign = _upload(central, 3, kiosk=4)
    assert call("POST", dossiers, dossiers, foreign, {p.H_IDEMPOTENCY: "f" * 32}).status_code == 422
    bad = call("POST", dossiers, dossiers, None, {p.H_IDEMPOTENCY: "m" * 32}, raw=b"[1]")
    assert bad.status_code == 422

    look = f"/v1/dossiers/{good['code']}/status"
    found = call("POST", look, status, {"id_number": "001090012345"})
    assert found.status_code == 200
    assert found.json()["payment"] == {"status": "to_pay", "amount_vnd": 200000}
    central.service.record_payment(good["code"])  # the centre's own record, never the kiosk's
    paid = call("POST", look, status, {"id_number": "001090012345"}).json()["payment"]
    assert paid == {"status": "paid", "amount_vnd": 200000}
    assert call("POST", look, status, {"id_number": "999999999999"}).status_code == 404
    assert call("POST", look, status, None, raw=b'{"id_number": 1}').status_code == 422
    call("POST", look, status, {"id_number": "999999999998"})
    assert call("POST", look, status, {"id_number": "001090012345"}).status_code == 429

    rate = {"level": "dissatisfied", "procedure_code": "CT-TT", "reason_sealed": p.b64(b"x" * 40)}
    assert call("POST", "/v1/ratings", "/v1/ratings", rate, key).status_code == 201
    assert call("POST", "/v1/ratings", "/v1/ratings", rate, key).status_code == 200
    other = {**rate, "level": "satisfied"}
    assert call("POST", "/v1/ratings", "/v1/ratings", other, key).status_code == 409
    assert call("POST", "/v1/heartbeat", "/v1/heartbeat", {"version": "1"}).status_code == 200
    assert call("POST", "/v1/heartbeat", "/v1/heartbeat", None, raw=b"[]").status_code == 422

    catalogue = call("GET", "/v1/catalogue", "/v1/catalogue")
    assert catalogue.status_code == 200
    etag = {"If-None-Match": catalogue.headers["ETag"]}
    assert call("GET", "/v1/catalogue", "/v1/catalogue", headers=etag).status_code == 304

    # Refused kiosks, and refusals the transport gives before the body.
    central.service.revoke_kiosk(KIOSK_ID)
    assert call("POST", "/v1/heartbeat", "/v1/heartbeat", {}).status_code == 403
    unsigned = requests.post(central.running.url + "/v1/heartbeat", data=b"{}", timeout=30)
    exchange.check(
        "POST", "/v1/heartbeat", unsigned.status_code, unsigned.content, unsigned.headers
    )
    for fields, expected in (
        ({"Content-Length": "-1"}, 400),
        ({}, 411),
        ({"Content-Length": str(p.MAX_BODY + 1)}, 413),
    ):
        with connect(central) as sock:
            sock.sendall(head("POST", "/v1/dossiers", fields))
            got, answer = status_of(sock)
        headers_part, _, body = answer.partition(b"\r\n\r\n")
        exchange.check("POST", dossiers, got, body, headers_part.decode())
        assert got == expected
    with connect(central) as sock:
        sock.sendall(head("POST", "/v1/heartbeat" + "x" * 300, {"Content-Length": "0"}))
        got, answer = status_of(sock)
    assert got == 414
    exchange.check("POST", "/v1/heartbeat", got, answer.partition(b"\r\n\r\n")[2], "")

    answered = {status for *_, status in exchange.seen}
    assert answered >= {200, 201, 304, 400, 401, 403, 404, 409, 411, 413, 414, 422, 429}


def test_what_the_kiosk_client_sends_is_the_documented_request(tmp_path: Path) -> None:
    central = start_central(tmp_path)
    arrived: list[tuple[str, str, dict[str, str], bytes]] = []
    handle = central.service.handle

    def recording(method, target, headers, body, admission=None):
        arrived.append((method, target, dict(headers), body))
        return handle(method, target, headers, body, admission)

    central.service.handle = recording  # type: ignore[method-assign]
    try:
        client = central.client()
        upload = DossierUpload(**{**_upload_fields(central), "appointment": None})
        client.submit_dossier(upload, "k" * 32)
        client.dossier_status(upload.code, "001090012345")
        client.submit_rating("dissatisfied", "CT-TT", b"sealed reason", "r" * 32)
        client.submit_rating("satisfied", None, None, "s" * 32)
        client.heartbeat({"version": "0.1.0", "queue": {"pending": 0}})
        client.fetch_catalogue()
    finally:
        central.running.stop()
    templates = {"/v1/dossiers/{code}/status": upload.code}
    for method, target, headers, body in arrived:
        template = next(
            (t for t, code in templates.items() if target == t.replace("{code}", code)), target
        )
        operation = DOC["paths"][template][method.lower()]
        for param in map(resolve, operation["parameters"]):
            if param["in"] == "header" and param.get("required"):
                assert param["name"].lower() in {h.lower() for h in headers}, param["name"]
                value = {h.lower(): v for h, v in headers.items()}[param["name"].lower()]
                Draft202012Validator(param["schema"]).validate(value)
        if "requestBody" in operation:
            location = ("paths", template, method.lower(), "requestBody", "content")
            validate(json.loads(body), *location, "application/json", "schema")
    assert len(arrived) == 6


def _upload_fields(central: Central) -> dict[str, Any]:
    code = "000.00.01.H01-261120-K030001"
    content = json.dumps({"code": code, "citizen": {"id_number": "001090012345"}}).encode()
    sealed = seal(content, central.service.seal_key.public_key(), code.encode())
    return {
        "code": code,
        "procedure_code": "CT-TT",
        "received_at": datetime(2026, 11, 20, 9),
        "appointment": date(2026, 11, 25),
        "sealed": sealed,
    }
