"""Tenants managed by operators, and the tokens they accept: rotation without downtime, keys of
a tenant's own identity provider, pinned algorithms, issuer and audience, disabling at once."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from threadline.bootstrap import Threadline

OPERATOR = {"X-Operator-Key": "operator-secret"}


@pytest.fixture
def operated(container: Threadline) -> Threadline:
    container.settings.operator_key = SecretStr("operator-secret")
    return container


def claims(tenant_id: str, **extra: object) -> dict[str, object]:
    now = int(time.time())
    return {
        "sub": "alice",
        "tid": tenant_id,
        "name": "Alice",
        "role": "user",
        "iat": now,
        "exp": now + 600,
        **extra,
    }


async def write(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/v1/comments",
        json={"entity_type": "post", "entity_id": "p1", "content": "hello"},
        headers={"Authorization": f"Bearer {token}"},
    )


async def new_tenant(client: httpx.AsyncClient, name: str = "acme") -> dict[str, object]:
    created = await client.post("/v1/operator/tenants", json={"name": name}, headers=OPERATOR)
    assert created.status_code == 201, created.text
    body: dict[str, object] = created.json()
    return body


async def test_the_operator_api_is_off_without_a_key_and_guarded_with_one(
    client: httpx.AsyncClient, container: Threadline
) -> None:
    off = await client.get("/v1/operator/tenants", headers=OPERATOR)
    assert (off.status_code, off.json()["code"]) == (403, "operator_api_disabled")
    container.settings.operator_key = SecretStr("operator-secret")
    for headers in ({}, {"X-Operator-Key": "guess"}):
        denied = await client.get("/v1/operator/tenants", headers=headers)
        assert (denied.status_code, denied.json()["code"]) == (401, "operator_key_required")
    assert (await client.get("/v1/operator/tenants", headers=OPERATOR)).status_code == 200


async def test_a_rotated_secret_and_the_old_one_both_work_until_the_old_is_retired(
    client: httpx.AsyncClient, operated: Threadline
) -> None:
    tenant = await new_tenant(client)
    tenant_id, old_secret = str(tenant["id"]), str(tenant["secret"])
    old_token = jwt.encode(claims(tenant_id), old_secret, algorithm="HS256", headers={"kid": "k1"})
    rotated = await client.post(
        f"/v1/operator/tenants/{tenant_id}/keys", json={"algorithm": "HS256"}, headers=OPERATOR
    )
    new_secret = rotated.json()["secret"]
    new_token = jwt.encode(claims(tenant_id), new_secret, algorithm="HS256")  # no kid: every key is tried
    assert (await write(client, old_token)).status_code == 201
    assert (await write(client, new_token)).status_code == 201

    retired = await client.delete(f"/v1/operator/tenants/{tenant_id}/keys/k1", headers=OPERATOR)
    assert retired.status_code == 200
    refused = await write(client, old_token)
    assert (refused.status_code, refused.json()["code"]) == (401, "invalid_token")
    assert (await write(client, new_token)).status_code == 201


async def test_a_disabled_tenant_is_refused_at_once_and_can_come_back(
    client: httpx.AsyncClient, operated: Threadline
) -> None:
    tenant = await new_tenant(client)
    tenant_id = str(tenant["id"])
    token = jwt.encode(claims(tenant_id), str(tenant["secret"]), algorithm="HS256")
    assert (await write(client, token)).status_code == 201
    await client.post(f"/v1/operator/tenants/{tenant_id}/disable", headers=OPERATOR)
    refused = await write(client, token)
    assert (refused.status_code, refused.json()["code"]) == (401, "tenant_disabled")
    read = await client.get("/v1/entities/post/p1/comments", headers={"X-Tenant-ID": tenant_id})
    assert read.json()["code"] == "tenant_disabled"
    await client.post(f"/v1/operator/tenants/{tenant_id}/enable", headers=OPERATOR)
    assert (await write(client, token)).status_code == 201


def _pem(private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_tokens_from_the_tenant_s_own_identity_provider_verify_with_its_public_key(
    client: httpx.AsyncClient, operated: Threadline, algorithm: str
) -> None:
    tenant = await new_tenant(client)
    tenant_id = str(tenant["id"])
    private = (
        rsa.generate_private_key(65537, 2048)
        if algorithm == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    stranger = (
        rsa.generate_private_key(65537, 2048)
        if algorithm == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    added = await client.post(
        f"/v1/operator/tenants/{tenant_id}/keys",
        json={"algorithm": algorithm, "public_key": _pem(private)},
        headers=OPERATOR,
    )
    assert added.status_code == 201 and added.json()["secret"] is None
    assert (
        await write(client, jwt.encode(claims(tenant_id), private, algorithm=algorithm))
    ).status_code == 201
    forged = await write(client, jwt.encode(claims(tenant_id), stranger, algorithm=algorithm))
    assert (forged.status_code, forged.json()["code"]) == (401, "invalid_token")


async def test_algorithm_confusion_and_unsigned_tokens_are_refused(
    client: httpx.AsyncClient, operated: Threadline
) -> None:
    tenant = await new_tenant(client)
    tenant_id = str(tenant["id"])
    private = rsa.generate_private_key(65537, 2048)
    public_pem = _pem(private)
    await client.post(
        f"/v1/operator/tenants/{tenant_id}/keys",
        json={"algorithm": "RS256", "public_key": public_pem},
        headers=OPERATOR,
    )
    header = {"alg": "HS256", "typ": "JWT"}
    # HS256 "signed" with the public key as the secret: the classic confusion attack.
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims(tenant_id)).encode())}"
    signature = hmac.new(public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    confused = await write(client, f"{signing_input}.{b64(signature)}")
    unsigned = await write(
        client, f"{b64(json.dumps({'alg': 'none'}).encode())}.{signing_input.split('.')[1]}."
    )
    for response in (confused, unsigned):
        assert (response.status_code, response.json()["code"]) == (401, "invalid_token")


async def test_issuer_audience_and_time_claims_are_checked(
    client: httpx.AsyncClient, operated: Threadline
) -> None:
    tenant = await new_tenant(client)
    tenant_id, secret = str(tenant["id"]), str(tenant["secret"])
    await client.patch(
        f"/v1/operator/tenants/{tenant_id}",
        json={"issuer": "https://id.acme.test", "audience": "threadline"},
        headers=OPERATOR,
    )
    good = claims(tenant_id, iss="https://id.acme.test", aud="threadline")
    assert (await write(client, jwt.encode(good, secret, algorithm="HS256"))).status_code == 201
    now = int(time.time())
    bad = [
        claims(tenant_id, aud="threadline"),  # no issuer
        claims(tenant_id, iss="https://evil.test", aud="threadline"),
        claims(tenant_id, iss="https://id.acme.test", aud="someone-else"),
        {**good, "nbf": now + 3600},  # not valid yet
        {key: value for key, value in good.items() if key != "exp"},  # exp is required
    ]
    for body in bad:
        response = await write(client, jwt.encode(body, secret, algorithm="HS256"))
        assert response.status_code == 401, body
    skewed = {**good, "iat": now + 10, "nbf": now + 10}  # within the leeway
    assert (await write(client, jwt.encode(skewed, secret, algorithm="HS256"))).status_code == 201
    expired = await write(client, jwt.encode({**good, "exp": now - 3600}, secret, algorithm="HS256"))
    assert expired.json()["code"] == "token_expired"
