"""The tenant directory's contract (``TenantDirectory``), run against SQLite and PostgreSQL.

Token verification trusts what the directory says: a tenant's status, its issuer and audience,
and which of its keys are active. A key rotation adds a key while the old one still verifies;
retiring a key is final; nothing about one tenant shows in another.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.unit.fake_tenants import MemoryTenantDirectory
from threadline.application.ports.cross_cutting import TenantDirectory
from threadline.bootstrap import Threadline
from threadline.domain.errors import InvalidCommand, TenantNotFound
from threadline.domain.tenant import ErasureMode, KeyAlgorithm, TenantSettings, TenantStatus

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def public_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


class TenantDirectoryContract:
    @pytest.fixture
    def directory(self) -> TenantDirectory:
        raise NotImplementedError("each implementation provides its tenant directory")

    async def test_a_new_tenant_is_active_with_one_hmac_key_that_signs_its_tokens(
        self, directory: TenantDirectory
    ) -> None:
        tenant = await directory.create("  acme  ")

        assert tenant.name == "acme" and tenant.status is TenantStatus.ACTIVE
        (key,) = tenant.keys
        assert key.algorithm is KeyAlgorithm.HS256 and key.is_active
        assert tenant.secret == key.material and len(tenant.secret) >= 32
        assert await directory.get(tenant.id) == tenant
        assert await directory.by_name("acme") == tenant

    async def test_tenants_are_listed_by_name_and_each_has_its_own_secret(
        self, directory: TenantDirectory
    ) -> None:
        globex, acme = await directory.create("globex"), await directory.create("acme")

        assert [t.name for t in await directory.all()] == ["acme", "globex"]
        assert acme.id != globex.id and acme.secret != globex.secret

    async def test_an_unknown_tenant_is_none_and_cannot_be_changed(self, directory: TenantDirectory) -> None:
        assert await directory.get(UNKNOWN) is None
        assert await directory.by_name("nobody") is None
        with pytest.raises(TenantNotFound):
            await directory.set_status(UNKNOWN, TenantStatus.DISABLED)
        with pytest.raises(TenantNotFound):
            await directory.add_key(UNKNOWN, KeyAlgorithm.HS256)

    async def test_a_name_is_taken_once_and_must_be_printable(self, directory: TenantDirectory) -> None:
        await directory.create("acme")

        for name in ("acme", " acme ", "", "   ", "bad\nname", "x" * 201):
            with pytest.raises(InvalidCommand):
                await directory.create(name)
        assert len(await directory.all()) == 1

    async def test_status_claims_and_settings_are_kept_and_read_back(
        self, directory: TenantDirectory
    ) -> None:
        tenant = await directory.create("acme")
        other = await directory.create("globex")
        settings = TenantSettings(
            allowed_origins=("https://acme.test",),
            allowed_entity_types=("post",),
            public_reads=False,
            premoderation=True,
            erasure_mode=ErasureMode.ANONYMIZE,
        )

        assert (await directory.set_status(tenant.id, TenantStatus.DISABLED)).status is TenantStatus.DISABLED
        await directory.set_claims(tenant.id, "https://idp.acme.test", "threadline")
        await directory.set_settings(tenant.id, settings)

        found = await directory.get(tenant.id)
        assert found is not None
        assert (found.status, found.issuer, found.audience) == (
            TenantStatus.DISABLED,
            "https://idp.acme.test",
            "threadline",
        )
        assert found.settings == settings
        assert await directory.get(other.id) == other

    async def test_a_rotation_adds_a_key_and_the_old_one_stays_valid_until_retired(
        self, directory: TenantDirectory
    ) -> None:
        tenant = await directory.create("acme")
        first = tenant.keys[0]

        rotated, new_key = await directory.add_key(tenant.id, KeyAlgorithm.HS256)

        assert [k.key_id for k in rotated.active_keys] == [first.key_id, new_key.key_id]
        assert rotated.secret == new_key.material != first.material
        retired = await directory.retire_key(tenant.id, first.key_id)
        assert [k.key_id for k in retired.active_keys] == [new_key.key_id]
        assert next(k for k in retired.keys if k.key_id == first.key_id).retired_at is not None
        with pytest.raises(InvalidCommand):
            await directory.retire_key(tenant.id, first.key_id)

    async def test_a_public_key_is_stored_as_given_and_a_private_one_refused(
        self, directory: TenantDirectory
    ) -> None:
        tenant = await directory.create("acme")
        pem = public_pem()

        updated, key = await directory.add_key(tenant.id, KeyAlgorithm.ES256, pem)

        assert key.algorithm is KeyAlgorithm.ES256 and key.material == pem.strip()
        assert updated.secret == tenant.secret  # the HMAC secret is still the HS256 key's
        for material in (None, "", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"):
            with pytest.raises(InvalidCommand):
                await directory.add_key(tenant.id, KeyAlgorithm.RS256, material)

    async def test_one_tenants_keys_never_show_in_or_change_through_another(
        self, directory: TenantDirectory
    ) -> None:
        acme, globex = await directory.create("acme"), await directory.create("globex")
        _, acme_key = await directory.add_key(acme.id, KeyAlgorithm.HS256)

        with pytest.raises(InvalidCommand):
            await directory.retire_key(globex.id, acme_key.key_id)

        found_acme, found_globex = await directory.get(acme.id), await directory.get(globex.id)
        assert found_acme is not None and acme_key.key_id in [k.key_id for k in found_acme.active_keys]
        assert found_globex == globex


class TestSqliteTenantDirectory(TenantDirectoryContract):
    @pytest.fixture
    def directory(self, sqlite_threadline: Threadline) -> TenantDirectory:
        return sqlite_threadline.tenants


class TestPostgresTenantDirectory(TenantDirectoryContract):
    @pytest.fixture
    def directory(self, postgres_threadline: Threadline) -> TenantDirectory:
        return postgres_threadline.tenants


class TestMemoryTenantDirectory(TenantDirectoryContract):
    """The fake the tenant-administration unit tests run on keeps the same promises."""

    @pytest.fixture
    def directory(self) -> TenantDirectory:
        return MemoryTenantDirectory()
