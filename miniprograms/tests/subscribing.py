"""A small world for the subscribe / send / deliver tests (issue 13): a tenant's host app with
its SDK secret and message endpoint, a mini program released to it with an AppSecret, and two
My Templates (one-time and long-term) plus a second one-time one."""

from __future__ import annotations

import json

from django.utils import timezone

from miniprograms.secrets.oauth import access_token_exchange, access_token_for_app, auth_code_issue
from miniprograms.secrets.services import appsecret_generate
from miniprograms.subscriptions.models import MessageEndpoint, PublicTemplate
from miniprograms.subscriptions.selectors import library_workspace_ids
from miniprograms.subscriptions.services import my_template_create, template_library_ensure
from miniprograms.tests.factories import create_miniprogram
from workspaces.services.hostapps import host_app_create

TEMPLATES = "/runtime/v1/subscription-templates"
SUBSCRIBE = "/runtime/v1/subscriptions"
SEND = "/open/v1/messages"


class World:
    def __init__(self, owner, *, endpoint_url: str = "https://hooks.example.com/messages"):
        self.owner = owner
        tenant = owner.workspace
        template_library_ensure(workspace=tenant)
        library = {t.title: t for t in PublicTemplate.objects.filter(workspace=tenant)}
        self.wallet, self.wallet_secret = host_app_create(
            actor=owner, name="Acme Wallet", platforms={"android": "a.w"}
        )
        self.shop = create_miniprogram(owner, name="Shop", host_app_ids=[self.wallet.pk])
        _row, self.app_secret = appsecret_generate(actor=owner, miniprogram=self.shop)
        self.endpoint = MessageEndpoint.objects.create(
            host_app=self.wallet,
            url=endpoint_url,
            secret_salt="s" * 64,
            secret_rotated_at=timezone.now(),
        )
        self.one_time_public = library["Order shipped"]
        self.long_term_public = next(t for t in library.values() if t.kind == "long_term")
        ids = library_workspace_ids(miniprogram=self.shop)
        self.once = my_template_create(
            actor=owner,
            miniprogram=self.shop,
            public_template=self.one_time_public,
            keywords=list(self.one_time_public.keywords[:2]),
            library_workspace_ids=ids,
        )
        self.once_b = my_template_create(
            actor=owner,
            miniprogram=self.shop,
            public_template=self.one_time_public,
            keywords=list(self.one_time_public.keywords[1:3]),
            library_workspace_ids=ids,
        )
        confirmed = library["Order confirmed"]
        self.once_c = my_template_create(
            actor=owner,
            miniprogram=self.shop,
            public_template=confirmed,
            keywords=list(confirmed.keywords[:1]),
            library_workspace_ids=ids,
        )
        self.long = my_template_create(
            actor=owner,
            miniprogram=self.shop,
            public_template=self.long_term_public,
            keywords=list(self.long_term_public.keywords[:3]),
            library_workspace_ids=ids,
        )

    def sdk(self) -> dict[str, str]:
        return {
            "HTTP_X_MPP_APP_KEY": self.wallet.app_key,
            "HTTP_AUTHORIZATION": f"Bearer {self.wallet_secret}",
        }

    def app_token(self) -> str:
        return access_token_for_app(
            app_id=self.shop.app_id, app_secret=self.app_secret
        ).access_token

    def user_token(self, user_id: str) -> tuple[str, str]:
        code = auth_code_issue(host_app=self.wallet, app_id=self.shop.app_id, user_id=user_id)
        issued = access_token_exchange(
            app_id=self.shop.app_id, app_secret=self.app_secret, auth_code=code.auth_code
        )
        return issued.access_token, issued.user_id

    def values(self, template) -> dict[str, str]:
        return {name: f"value of {name}" for name in template.keywords}


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def subscribe(client, w: World, results: dict[str, str], user_id: str = "u-1"):
    return post(
        client,
        SUBSCRIBE,
        {"app_id": w.shop.app_id, "user_id": user_id, "results": results},
        **w.sdk(),
    )


def send(client, token: str, template, to_user_id: str, data=None, key: str = "", page=""):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    body = {"template_id": template.template_id, "to_user_id": to_user_id, "page": page}
    body["data"] = data if data is not None else {n: f"value of {n}" for n in template.keywords}
    return post(client, SEND, body, **headers)


def error(response, code: str, status: int) -> dict:
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["error"]["code"] == code, payload
    assert payload["error"]["request_id"] == response["X-Request-ID"]
    return payload["error"]
