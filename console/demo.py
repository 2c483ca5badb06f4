"""The demo data set that ``make run`` loads: two workspaces of each kind, a user per role,
host apps of Acme and mini programs in every state the console shows (released, with staged
edits, off shelf, with another language, a merchant's released into Acme's host apps), and
releases in every state of the review loop (online, rolled forward, waiting for Acme's
reviewers, rejected with a reason).

Kept as data so the README, the terminal output of ``seed_demo`` and the tests agree.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "mpp-demo-2026"  # noqa: S105 - published on purpose; seed_demo refuses production


@dataclass(frozen=True)
class DemoWorkspace:
    slug: str
    name: str
    kind: str
    owner: str
    tenant: str | None = None


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    memberships: tuple[tuple[str, str], ...]  # (workspace slug, role) other than ownership


USERS: tuple[DemoUser, ...] = (
    DemoUser("owner@example.com", "Olivia Owner", ()),
    DemoUser("admin@example.com", "Adam Admin", (("acme", "admin"),)),
    DemoUser("reviewer@example.com", "Rita Reviewer", (("acme", "reviewer"),)),
    DemoUser("developer@example.com", "Dev Developer", (("acme", "developer"),)),
    DemoUser("merchant@example.com", "Mia Merchant", ()),
    DemoUser("merchant-dev@example.com", "Max Merchant-Dev", (("bluebottle", "developer"),)),
    DemoUser("globex@example.com", "Grace Globex", ()),
    DemoUser("initech@example.com", "Ian Initech", (("initech", "admin"),)),
)

WORKSPACES: tuple[DemoWorkspace, ...] = (
    DemoWorkspace("acme", "Acme Super App", "tenant", "owner@example.com"),
    DemoWorkspace("globex", "Globex Wallet", "tenant", "globex@example.com"),
    DemoWorkspace("bluebottle", "Blue Bottle Coffee", "developer", "merchant@example.com", "acme"),
    DemoWorkspace("initech", "Initech Studio", "developer", "globex@example.com", "globex"),
)


@dataclass(frozen=True)
class DemoHostApp:
    workspace: str  # a tenant's slug
    name: str
    description: str
    platforms: tuple[tuple[str, str], ...]  # (platform, bundle id)
    preview_scheme: str = ""  # the reviewer's preview QR code opens <scheme>://preview?…
    # Published SDK credentials, so the README's curl examples work against the demo (a real
    # host app's key is random and its secret shown once; seed_demo refuses production).
    sdk_key: str = ""
    sdk_secret: str = ""


@dataclass(frozen=True)
class DemoLanguage:
    language: str
    name: str
    tagline: str
    description: str


@dataclass(frozen=True)
class DemoMiniProgram:
    """A mini program and what happened to it since it was created.

    Its releases are in :data:`RELEASES` (a production release copies the draft profile to what
    host apps show); ``staged`` then edits the draft, so the detail page has "pending until the
    next release" fields to show. Edits change texts, never the name: the name is how the seed
    finds it again.
    """

    workspace: str
    name: str
    tagline: str
    description: str
    industry: str  # a leaf code of the industry taxonomy
    service_phone: str
    service_email: str
    logo: tuple[tuple[int, int, int], str]  # background colour and the letter drawn on it
    host_apps: tuple[str, ...]  # names of host apps of the workspace's tenant
    default_language: str | None = None  # None: the workspace's
    languages: tuple[DemoLanguage, ...] = ()
    developers: tuple[str, ...] = ()  # emails of Developers assigned to it
    testers: tuple[str, ...] = ()  # host-app accounts on the tester whitelist
    staged: tuple[tuple[str, str], ...] = ()  # (field, new draft value) after the release
    off_shelf_reason: str = ""


HOST_APPS: tuple[DemoHostApp, ...] = (
    DemoHostApp(
        "acme",
        "Acme Super App",
        "The flagship super app: payments, shopping and services.",
        (("android", "com.acme.superapp"), ("ios", "com.acme.SuperApp")),
        preview_scheme="acmesuperapp",
        sdk_key="demoacmesuperapp2026",
        sdk_secret="mpp-demo-sdk-secret-superapp",  # noqa: S106 - published on purpose
    ),
    DemoHostApp(
        "acme",
        "Acme Wallet",
        "The lightweight wallet for top-ups and bill payment.",
        (("android", "com.acme.wallet"), ("harmonyos", "com.acme.wallet.harmony")),
        preview_scheme="acmewallet",
        sdk_key="demoacmewallet202600",
        sdk_secret="mpp-demo-sdk-secret-wallet",  # noqa: S106 - published on purpose
    ),
)

MINIPROGRAMS: tuple[DemoMiniProgram, ...] = (
    DemoMiniProgram(
        workspace="acme",
        name="Acme Mall",
        tagline="Everyday deals, delivered fast",
        description="Shop thousands of products from Acme's partner stores, pay in one tap and "
        "track every delivery without leaving the app.",
        industry="general-merchandise",
        service_phone="0571-26888888",
        service_email="mall-help@acme.example",
        logo=((220, 38, 38), "M"),
        host_apps=("Acme Super App", "Acme Wallet"),
        developers=("developer@example.com",),
        testers=("13800138000", "13800138001", "qa-lead@acme.example"),
        staged=(
            ("tagline", "Daily deals, same-day delivery"),
            (
                "description",
                "Shop thousands of products from Acme's partner stores, pay in one "
                "tap and get them delivered the same day.",
            ),
        ),
    ),
    DemoMiniProgram(
        workspace="acme",
        name="极速外卖",
        tagline="附近美食，三十分钟送达",
        description="汇集附近数千家餐厅，在线点餐、实时追踪骑手位置，平均三十分钟送达。",
        industry="food-delivery",
        service_phone="021-61234567",
        service_email="waimai@acme.example",
        logo=((234, 88, 12), "W"),
        host_apps=("Acme Super App",),
        default_language="zh-Hans",
        languages=(
            DemoLanguage(
                "en",
                "Express Eats",
                "Food nearby, in thirty minutes",
                "Order from thousands of restaurants nearby, follow your rider live and get "
                "your meal in thirty minutes on average.",
            ),
        ),
        testers=("13900139000",),
    ),
    DemoMiniProgram(
        workspace="acme",
        name="Acme Parking",
        tagline="Find a space and pay by plate",
        description="See free spaces in Acme partner car parks, reserve one and pay "
        "automatically by licence plate when you leave.",
        industry="parking",
        service_phone="0571-26888899",
        service_email="parking@acme.example",
        logo=((37, 99, 235), "P"),
        host_apps=("Acme Super App",),
        off_shelf_reason="The car park operator's contract is being renewed.",
    ),
    DemoMiniProgram(
        workspace="bluebottle",
        name="Blue Bottle Order Ahead",
        tagline="Order ahead, skip the line",
        description="Order your coffee and pastries ahead, pay in the app and pick them up at "
        "your nearest Blue Bottle café without waiting.",
        industry="coffee-tea",
        service_phone="0755-86001234",
        service_email="hello@bluebottle.example",
        logo=((14, 116, 144), "B"),
        host_apps=("Acme Super App", "Acme Wallet"),
        languages=(
            DemoLanguage(
                "ja",
                "ブルーボトル事前注文",
                "事前に注文して、並ばずに受け取り",
                "コーヒーとペストリーをアプリで事前に注文・決済し、最寄りのカフェで待たずに"
                "受け取れます。",
            ),
        ),
        developers=("merchant-dev@example.com",),
        testers=("13700137000", "barista@bluebottle.example"),
    ),
)


@dataclass(frozen=True)
class DemoVersion:
    """A version of a demo mini program, uploaded (and scanned) by ``uploaded_by``.

    The package is generated: ``app.json`` lists ``pages`` and ``subpackages``; every page gets
    its files, except those in ``missing`` (listed but left out: a scan that fails, to show
    how the console explains it).
    """

    miniprogram: str
    number: str
    notes: str
    uploaded_by: str
    pages: tuple[str, ...]
    subpackages: tuple[tuple[str, tuple[str, ...]], ...] = ()
    missing: tuple[str, ...] = ()


VERSIONS: tuple[DemoVersion, ...] = (
    DemoVersion(
        "Acme Mall",
        "1.0.0",
        "First release: home, search and cart.",
        "developer@example.com",
        pages=("pages/index/index", "pages/search/index", "pages/cart/index"),
    ),
    DemoVersion(
        "Acme Mall",
        "1.1.0",
        "Order tracking moves to a subpackage loaded on demand.",
        "developer@example.com",
        pages=("pages/index/index", "pages/search/index", "pages/cart/index"),
        subpackages=(("orders", ("pages/list/index", "pages/detail/index")),),
    ),
    DemoVersion(
        "Acme Mall",
        "1.2.0",
        "Coupons page (the build forgot to include it).",
        "developer@example.com",
        pages=(
            "pages/index/index",
            "pages/search/index",
            "pages/cart/index",
            "pages/coupons/index",
        ),
        subpackages=(("orders", ("pages/list/index", "pages/detail/index")),),
        missing=("pages/coupons/index",),
    ),
    DemoVersion(
        "极速外卖",
        "1.0.0",
        "首个版本：附近餐厅、下单和骑手追踪。",
        "owner@example.com",
        pages=("pages/index/index", "pages/restaurant/index", "pages/track/index"),
    ),
    DemoVersion(
        "Blue Bottle Order Ahead",
        "0.9.0",
        "Menu and order ahead for the beta cafés.",
        "merchant-dev@example.com",
        pages=("pages/menu/index", "pages/order/index"),
    ),
    DemoVersion(
        "Blue Bottle Order Ahead",
        "1.0.0",
        "Loyalty stamps, and every café instead of the beta ones.",
        "merchant-dev@example.com",
        pages=("pages/menu/index", "pages/order/index", "pages/stamps/index"),
    ),
)


@dataclass(frozen=True)
class DemoRelease:
    """A version submitted for release, in order, and what happened to it.

    ``decision`` is ``"approve"``, ``"reject"`` or ``""`` (production only: still waiting for
    the tenant's reviewers; outside production releases are approved at once);
    ``published_by`` publishes it once approved.
    """

    miniprogram: str
    version: str
    host_apps: tuple[str, ...]
    environment: str
    submitted_by: str
    notes: str
    decision: str = ""
    decided_by: str = ""
    reason: str = ""
    published_by: str = ""


RELEASES: tuple[DemoRelease, ...] = (
    DemoRelease(
        "Acme Mall",
        "1.0.0",
        ("Acme Super App", "Acme Wallet"),
        "production",
        "developer@example.com",
        "First release of the mall.",
        decision="approve",
        decided_by="reviewer@example.com",
        published_by="admin@example.com",
    ),
    DemoRelease(
        "Acme Mall",
        "1.1.0",
        ("Acme Super App",),
        "sandbox",
        "developer@example.com",
        "Order tracking, for the sandbox testers.",
        published_by="admin@example.com",
    ),
    DemoRelease(
        "Acme Mall",
        "1.1.0",
        ("Acme Super App",),
        "production",
        "developer@example.com",
        "Order tracking moves to a subpackage; tested in the sandbox for a week.",
    ),
    DemoRelease(
        "Acme Mall",
        "1.1.0",
        ("Acme Wallet",),
        "production",
        "developer@example.com",
        "Order tracking for Wallet users, gradually: see the grayscale task.",
        decision="approve",
        decided_by="reviewer@example.com",
    ),
    # The test environment of Acme Super App: 1.0.0 online, 1.1.0 approved at once (outside
    # production) and delivered by a grayscale task whose guardrails suspended it.
    DemoRelease(
        "Acme Mall",
        "1.0.0",
        ("Acme Super App",),
        "test",
        "developer@example.com",
        "The mall, for Acme's test devices.",
        published_by="admin@example.com",
    ),
    DemoRelease(
        "Acme Mall",
        "1.1.0",
        ("Acme Super App",),
        "test",
        "developer@example.com",
        "Order tracking on the test devices, in grayscale.",
    ),
    DemoRelease(
        "极速外卖",
        "1.0.0",
        ("Acme Super App",),
        "production",
        "owner@example.com",
        "首个版本。",
        decision="approve",
        decided_by="reviewer@example.com",
        published_by="owner@example.com",
    ),
    DemoRelease(
        "Blue Bottle Order Ahead",
        "0.9.0",
        ("Acme Super App",),
        "production",
        "merchant-dev@example.com",
        "Beta cafés only.",
        decision="approve",
        decided_by="reviewer@example.com",
        published_by="merchant@example.com",
    ),
    DemoRelease(
        "Blue Bottle Order Ahead",
        "0.9.0",
        ("Acme Wallet",),
        "production",
        "merchant-dev@example.com",
        "Beta cafés only, in the Wallet too.",
        decision="reject",
        decided_by="admin@example.com",
        reason="The privacy policy link on the order page answers 404: fix it and resubmit.",
    ),
    DemoRelease(
        "Blue Bottle Order Ahead",
        "1.0.0",
        ("Acme Super App", "Acme Wallet"),
        "production",
        "merchant-dev@example.com",
        "Loyalty stamps; the privacy policy link is fixed.",
    ),
)

# (mini program, version, page, query): the trial version whitelisted testers open.
TRIALS: tuple[tuple[str, str, str, str], ...] = (
    ("Acme Mall", "1.1.0", "orders/pages/list/index", "from=demo"),
)


def demo_package(spec: DemoVersion) -> bytes:
    """The zip of a demo version: app.json, app.js and four files per page."""
    import io
    import json
    import zipfile

    manifest = {
        "pages": list(spec.pages),
        "subPackages": [{"root": root, "pages": list(pages)} for root, pages in spec.subpackages],
        "window": {"defaultTitle": spec.miniprogram},
    }
    files = {"app.json": json.dumps(manifest, indent=2), "app.js": "App({ onLaunch() {} });\n"}
    every = [*spec.pages, *(f"{root}/{page}" for root, pages in spec.subpackages for page in pages)]
    for page in every:
        if page in spec.missing:
            continue
        title = page.split("/")[-2].title()
        files[f"{page}.js"] = f"Page({{ data: {{ title: '{title}' }} }});\n"
        files[f"{page}.axml"] = "<view class='page'>{{title}}</view>\n"
        files[f"{page}.acss"] = ".page { padding: 16rpx; }\n"
        files[f"{page}.json"] = json.dumps({"defaultTitle": title})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), files[name])
    return buffer.getvalue()


@dataclass(frozen=True)
class DemoGrayscale:
    """A grayscale task delivering an approved, unpublished version on one target."""

    miniprogram: str
    version: str
    host_app: str
    environment: str
    name: str
    max_users: int
    percentage: str  # "" for none
    accounts: tuple[str, ...]
    days: int = 30  # it ends this many days after the seed


GRAYSCALE: tuple[DemoGrayscale, ...] = (
    DemoGrayscale(
        "Acme Mall",
        "1.1.0",
        "Acme Wallet",
        "production",
        "Order tracking beta",
        max_users=5000,
        percentage="",
        # Two early-access accounts get 1.1.0; every other device keeps 1.0.0 (the testers on
        # the whitelist get the trial version first, as the runtime API answers in production).
        accounts=("13700000001", "13700000002"),
    ),
    # On the test devices: 20 % of them; its cohort's JSAPI calls fail far more often than on
    # 1.0.0, so its guardrails suspend it (``analytics.guardrails.demo``).
    DemoGrayscale(
        "Acme Mall",
        "1.1.0",
        "Acme Super App",
        "test",
        "Tracking on test",
        max_users=2000,
        percentage="20",
        accounts=(),
    ),
)


@dataclass(frozen=True)
class DemoJsapiApplication:
    """A mini program's application for a sensitive JSAPI (of its host app's tenant catalogue),
    decided (``decision`` "approve") or left waiting in the tenant's approvals (``""``)."""

    miniprogram: str
    host_app: str
    jsapi: str
    reason: str
    applied_by: str
    decision: str = ""
    decided_by: str = ""


JSAPI_APPLICATIONS: tuple[DemoJsapiApplication, ...] = (
    DemoJsapiApplication(
        "Blue Bottle Order Ahead",
        "Acme Super App",
        "getLocation",
        "The café finder sorts Blue Bottle cafés by distance and preselects the nearest one "
        "for pick-up.",
        applied_by="merchant@example.com",
        decision="approve",
        decided_by="reviewer@example.com",
    ),
    DemoJsapiApplication(
        "Blue Bottle Order Ahead",
        "Acme Super App",
        "getPhoneNumber",
        "We text the customer when the order is ready for pick-up; the number is used for "
        "nothing else.",
        applied_by="merchant@example.com",
    ),
)


@dataclass(frozen=True)
class DemoDomains:
    """Server domains and WAP URLs of a mini program: global (``version`` "") or one version's;
    ``lists`` maps the runtime keys (request, uploadFile, downloadFile, socket, webview) to
    entries."""

    miniprogram: str
    lists: tuple[tuple[str, tuple[str, ...]], ...]
    version: str = ""
    edited_by: str = "owner@example.com"


# Acme lets every mini program of Blue Bottle Coffee edit its lists (Settings → Authorized
# server domains and WAP URLs): (tenant slug, developer workspace slug, granted by).
DOMAIN_EDIT_GRANTS: tuple[tuple[str, str, str], ...] = (
    ("acme", "bluebottle", "admin@example.com"),
)

DOMAINS: tuple[DemoDomains, ...] = (
    DemoDomains(
        "Acme Mall",
        (
            ("request", ("https://api.acme-mall.example", "https://pay.acme.example")),
            ("uploadFile", ("https://upload.acme-mall.example",)),
            ("downloadFile", ("https://cdn.acme-mall.example",)),
            ("socket", ("wss://push.acme-mall.example",)),
            ("webview", ("https://m.acme-mall.example/",)),
        ),
    ),
    DemoDomains(
        "Blue Bottle Order Ahead",
        (
            ("request", ("https://api.bluebottle.example",)),
            ("downloadFile", ("https://images.bluebottle.example",)),
            ("webview", ("https://m.bluebottle.example/menu/",)),
        ),
        edited_by="merchant-dev@example.com",
    ),
    DemoDomains(
        "Blue Bottle Order Ahead",
        (("request", ("https://api-v2.bluebottle.example",)),),
        version="1.0.0",
        edited_by="merchant-dev@example.com",
    ),
)


@dataclass(frozen=True)
class DemoEnvironmentVariables:
    """One release environment's variables of a mini program (Development › Environment
    variables). No AppSecret is seeded: the Keys page shows its empty state."""

    miniprogram: str
    environment: str
    variables: tuple[tuple[str, str], ...]
    edited_by: str = "owner@example.com"


ENVIRONMENT_VARIABLES: tuple[DemoEnvironmentVariables, ...] = (
    DemoEnvironmentVariables(
        "Acme Mall",
        "production",
        (
            ("API_BASE_URL", "https://api.acme-mall.example"),
            ("CDN_BASE_URL", "https://cdn.acme-mall.example"),
            ("FEATURE_FLASH_SALE", "on"),
        ),
    ),
    DemoEnvironmentVariables(
        "Acme Mall",
        "sandbox",
        (
            ("API_BASE_URL", "https://sandbox-api.acme-mall.example"),
            ("FEATURE_FLASH_SALE", "off"),
        ),
    ),
)


@dataclass(frozen=True)
class DemoMessageTemplate:
    """A mini program's My Template: keywords, in order, of a public template of the library
    of its host app's tenant (a tenant's own mini program: its own library)."""

    miniprogram: str
    title: str
    keywords: tuple[str, ...]
    added_by: str


MESSAGE_TEMPLATES: tuple[DemoMessageTemplate, ...] = (
    DemoMessageTemplate(
        "Acme Mall",
        "Order shipped",
        ("Order number", "Carrier", "Tracking number"),
        added_by="owner@example.com",
    ),
    DemoMessageTemplate(
        "Blue Bottle Order Ahead",
        "Food order ready",
        ("Pickup number", "Dishes", "Ready at"),
        added_by="merchant@example.com",
    ),
)


@dataclass(frozen=True)
class DemoMessages:
    """Two weeks of a My Template's sent messages (:data:`MESSAGE_TEMPLATES`), through one host
    app, written as rows (not sent): mostly delivered, a few failed at the endpoint, a few
    waiting for a retry. ``values`` are str.format patterns of ``n``, the message's number;
    ``subscribers`` the host app's user ids that accepted the template."""

    miniprogram: str
    title: str
    host_app: str
    per_day: tuple[int, int]  # (fewest, most) messages a day
    values: tuple[str, ...]  # one per keyword, in the template's order
    page: str
    subscribers: tuple[str, ...]


MESSAGE_DAYS = 14
MESSAGE_ENDPOINTS: tuple[tuple[str, str], ...] = (
    # (host app, URL): a demo address that answers nothing; the seeded log tells its story
    ("Acme Super App", "https://push.example.com/mpp/messages"),
)
MESSAGES: tuple[DemoMessages, ...] = (
    DemoMessages(
        "Acme Mall",
        "Order shipped",
        "Acme Super App",
        per_day=(3, 9),
        values=("AM-2026-{n:04d}", "SF Express", "SF{n:010d}"),
        page="pages/order/detail?id=AM-2026-{n:04d}",
        subscribers=("acme-user-1001", "acme-user-1002", "acme-user-1003", "acme-user-1004"),
    ),
    DemoMessages(
        "Blue Bottle Order Ahead",
        "Food order ready",
        "Acme Super App",
        per_day=(1, 5),
        values=("A{n:02d}", "Latte ×2, Croissant", "Counter 2"),
        page="pages/pickup/index?order={n}",
        subscribers=("acme-user-1001", "acme-user-2001"),
    ),
)
