"""Tenant administration as the operator API and the CLI both run it: each change drops this
process's cached tenant only once it is stored, settings and search configurations are checked
before anything is stored, and a tenant is found by id or by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.unit.fake_tenants import MemoryTenantDirectory, RecordingSearchIndex, RecordingTenantCache
from threadline.application.ports.cross_cutting import SearchIndex, TenantCache, TenantDirectory
from threadline.application.tenants.create_tenant import create_tenant
from threadline.application.tenants.find_tenant import find_tenant
from threadline.application.tenants.search_config import choose_search_config
from threadline.application.tenants.signing_keys import add_signing_key, retire_signing_key
from threadline.application.tenants.tenant_settings import change_settings
from threadline.application.tenants.tenant_status import disable_tenant, enable_tenant
from threadline.application.tenants.token_claims import require_claims
from threadline.domain.errors import InvalidCommand, InvalidEntity, TenantNotFound
from threadline.domain.tenant import KeyAlgorithm, Tenant, TenantSettings, TenantStatus

PEM = "-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----\n"


class Setup:
    def __init__(self) -> None:
        self.directory = MemoryTenantDirectory()
        self.cache = RecordingTenantCache(self.directory)
        self.index = RecordingSearchIndex()
        # The fakes are the ports (mypy checks these assignments).
        self.tenants: TenantDirectory = self.directory
        self.cache_port: TenantCache = self.cache
        self.index_port: SearchIndex = self.index

    async def acme(self) -> Tenant:
        return await create_tenant("acme", tenants=self.tenants)


@pytest.fixture
def setup() -> Setup:
    return Setup()


Change = Callable[[Setup, str], Awaitable[Tenant]]


async def _disable(s: Setup, tenant_id: str) -> Tenant:
    return await disable_tenant(tenant_id, tenants=s.tenants, cache=s.cache_port)


async def _enable(s: Setup, tenant_id: str) -> Tenant:
    return await enable_tenant(tenant_id, tenants=s.tenants, cache=s.cache_port)


async def _claims(s: Setup, tenant_id: str) -> Tenant:
    return await require_claims(
        tenant_id, "https://id.acme.test", "threadline", tenants=s.tenants, cache=s.cache_port
    )


async def _rotate(s: Setup, tenant_id: str) -> Tenant:
    tenant, _ = await add_signing_key(
        tenant_id, KeyAlgorithm.HS256, None, tenants=s.tenants, cache=s.cache_port
    )
    return tenant


async def _retire(s: Setup, tenant_id: str) -> Tenant:
    return await retire_signing_key(tenant_id, "k1", tenants=s.tenants, cache=s.cache_port)


async def _settings(s: Setup, tenant_id: str) -> Tenant:
    return await change_settings(
        tenant_id, TenantSettings(public_reads=False), tenants=s.tenants, cache=s.cache_port
    )


CHANGES: dict[str, Change] = {
    "disable": _disable,
    "enable": _enable,
    "require claims": _claims,
    "rotate the secret": _rotate,
    "retire a key": _retire,
    "change settings": _settings,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
async def test_every_change_drops_the_cached_tenant_after_it_is_stored(setup: Setup, change: Change) -> None:
    acme = await setup.acme()
    if change is _enable:
        acme = await setup.directory.set_status(acme.id, TenantStatus.DISABLED)

    changed = await change(setup, acme.id)

    assert changed != acme
    assert setup.cache.forgotten == [changed]  # once, when the directory held the change already


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
async def test_a_change_to_an_unknown_tenant_is_tenant_not_found(setup: Setup, change: Change) -> None:
    with pytest.raises(TenantNotFound):
        await change(setup, "nobody")


async def test_disabling_and_enabling_set_the_status(setup: Setup) -> None:
    acme = await setup.acme()

    assert (await _disable(setup, acme.id)).status is TenantStatus.DISABLED
    assert (await _enable(setup, acme.id)).status is TenantStatus.ACTIVE


async def test_a_rotated_secret_signs_new_tokens_while_the_old_key_stays_active(setup: Setup) -> None:
    acme = await setup.acme()

    rotated, key = await add_signing_key(
        acme.id, KeyAlgorithm.HS256, None, tenants=setup.tenants, cache=setup.cache_port
    )

    assert key.algorithm is KeyAlgorithm.HS256 and key.material not in ("", acme.secret)
    assert rotated.signing_key == key and rotated.secret == key.material
    assert [k.key_id for k in rotated.active_keys] == ["k1", key.key_id]
    retired = await retire_signing_key(acme.id, "k1", tenants=setup.tenants, cache=setup.cache_port)
    assert [k.key_id for k in retired.active_keys] == [key.key_id]


async def test_a_public_key_is_added_as_given_and_is_no_signing_secret(setup: Setup) -> None:
    acme = await setup.acme()

    tenant, key = await add_signing_key(
        acme.id, KeyAlgorithm.ES256, PEM, tenants=setup.tenants, cache=setup.cache_port
    )

    assert (key.algorithm, key.material) == (KeyAlgorithm.ES256, PEM.strip())
    assert tenant.signing_key is not None and tenant.signing_key.key_id == "k1"


async def test_a_refused_key_leaves_the_cached_tenant_alone(setup: Setup) -> None:
    acme = await setup.acme()

    with pytest.raises(InvalidCommand):
        await add_signing_key(
            acme.id, KeyAlgorithm.RS256, None, tenants=setup.tenants, cache=setup.cache_port
        )

    assert setup.cache.forgotten == []


async def test_find_tenant_takes_an_id_or_a_name(setup: Setup) -> None:
    acme = await setup.acme()

    assert await find_tenant(acme.id, tenants=setup.tenants) == acme
    assert await find_tenant("acme", tenants=setup.tenants) == acme


async def test_find_tenant_names_what_it_did_not_find(setup: Setup) -> None:
    await setup.acme()

    with pytest.raises(TenantNotFound) as refused:
        await find_tenant("globex", tenants=setup.tenants)

    assert refused.value.detail == "no tenant 'globex'"


@pytest.mark.parametrize(
    ("settings", "error", "field"),
    [
        (TenantSettings(allowed_origins=("javascript:alert(1)",)), InvalidCommand, "allowed_origins"),
        (TenantSettings(allowed_origins=("https://blog.acme.test/path",)), InvalidCommand, "allowed_origins"),
        (TenantSettings(allowed_entity_types=("Not Valid",)), InvalidEntity, "entity_type"),
    ],
)
async def test_invalid_settings_are_refused_before_anything_is_stored(
    setup: Setup, settings: TenantSettings, error: type[Exception], field: str
) -> None:
    acme = await setup.acme()
    writes = setup.directory.writes

    with pytest.raises(error) as refused:
        await change_settings(acme.id, settings, tenants=setup.tenants, cache=setup.cache_port)

    assert getattr(refused.value, "field", None) == field
    assert setup.directory.writes == writes and setup.cache.forgotten == []


async def test_valid_settings_are_stored_whole(setup: Setup) -> None:
    acme = await setup.acme()
    settings = TenantSettings(
        allowed_origins=("https://blog.acme.test", "http://localhost:3000"),
        allowed_entity_types=("article", "video"),
        public_reads=False,
        premoderation=True,
    )

    changed = await change_settings(acme.id, settings, tenants=setup.tenants, cache=setup.cache_port)

    assert changed.settings == settings
    assert (await setup.tenants.get(acme.id)) == changed


async def test_choosing_a_search_config_reindexes_the_tenant(setup: Setup) -> None:
    acme = await setup.acme()

    chosen = await choose_search_config(acme.id, "english", tenants=setup.tenants, index=setup.index_port)

    assert chosen == "english"
    assert setup.index.configs == [(acme.id, "english")]


async def test_the_search_config_of_an_unknown_tenant_is_tenant_not_found_and_nothing_is_reindexed(
    setup: Setup,
) -> None:
    with pytest.raises(TenantNotFound):
        await choose_search_config("nobody", "english", tenants=setup.tenants, index=setup.index_port)

    assert setup.index.configs == []


@pytest.mark.parametrize("config", ["English", "", "x" * 64, "english; drop table", "german2"])
async def test_a_search_config_must_look_like_a_configuration_name(setup: Setup, config: str) -> None:
    acme = await setup.acme()

    with pytest.raises(InvalidCommand) as refused:
        await choose_search_config(acme.id, config, tenants=setup.tenants, index=setup.index_port)

    assert refused.value.field == "config"
    assert setup.index.configs == []
