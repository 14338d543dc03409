"""Where a webhook may point, checked against what the host resolves to at the time."""

from __future__ import annotations

import pytest

from threadline.application.webhooks.url_policy import UrlPolicy
from threadline.domain.errors import InvalidWebhookUrl


class ChangingResolver:
    """A DNS server that answers differently later: a rebinding attack."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)

    async def resolve(self, host: str, port: int) -> list[str]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


async def test_a_host_that_resolves_to_a_private_address_later_is_refused_then() -> None:
    policy = UrlPolicy(frozenset(), ChangingResolver(["93.184.215.14"], ["10.0.0.7"]))

    assert (await policy.target("https://hooks.example.com/x")).addresses == ["93.184.215.14"]
    with pytest.raises(InvalidWebhookUrl, match="private"):
        await policy.target("https://hooks.example.com/x")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.1.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
    ],
)
async def test_every_private_loopback_and_link_local_range_is_refused(address: str) -> None:
    policy = UrlPolicy(frozenset(), ChangingResolver([address]))
    with pytest.raises(InvalidWebhookUrl) as refused:
        await policy.target("https://hooks.example.com/x")
    assert refused.value.field == "url"


async def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    policy = UrlPolicy(frozenset(), ChangingResolver(["93.184.215.14", "10.0.0.1"]))
    with pytest.raises(InvalidWebhookUrl, match=r"10\.0\.0\.1"):
        await policy.target("https://hooks.example.com/x")


async def test_an_allow_listed_host_may_use_http_and_private_addresses() -> None:
    policy = UrlPolicy(frozenset({"receiver.internal"}), ChangingResolver(["10.0.0.9"]))
    target = await policy.target("http://receiver.internal:8080/hook")
    assert (target.host, target.port, target.addresses) == ("receiver.internal", 8080, ["10.0.0.9"])
