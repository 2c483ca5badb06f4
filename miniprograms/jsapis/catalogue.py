"""The JSAPI catalogue every tenant starts with (``services.jsapi_catalogue_ensure``).

Names follow the mini program SDKs' (Alipay+, mPaaS, WeChat): camelCase calls the mini program
makes through ``my.<name>``. Sensitive ones touch the user's identity, money, position or
devices: a mini program calls them only after the host app's tenant approves its application,
or through a *direct* feature that bundles them. The runtime answer of a tenant whose catalogue
was never opened is computed from this table too (:data:`DEFAULT_ALLOWED`), so a lazily seeded
catalogue answers the same before and after it is written.
"""

from __future__ import annotations

from dataclasses import dataclass

ANDROID, IOS, BOTH = "android", "ios", "both"


@dataclass(frozen=True)
class SeedJsapi:
    name: str
    category: str
    description: str
    sensitive: bool = False
    platforms: str = BOTH

    @property
    def on_android(self) -> bool:
        return self.platforms in (ANDROID, BOTH)

    @property
    def on_ios(self) -> bool:
        return self.platforms in (IOS, BOTH)


@dataclass(frozen=True)
class SeedFeature:
    name: str
    description: str
    access: str  # "direct" or "activation"
    jsapis: tuple[str, ...]


JSAPIS: tuple[SeedJsapi, ...] = (
    # location
    SeedJsapi(
        "getLocation",
        "Location",
        "Get the device's current position (latitude, longitude, accuracy).",
        sensitive=True,
    ),
    SeedJsapi(
        "chooseLocation",
        "Location",
        "Let the user pick a place on a map.",
    ),
    SeedJsapi("openLocation", "Location", "Show a place on the host app's built-in map."),
    # media
    SeedJsapi(
        "chooseImage",
        "Media",
        "Take a photo with the camera or pick images from the album.",
        sensitive=True,
    ),
    SeedJsapi("previewImage", "Media", "Show images full screen with zoom and swipe."),
    SeedJsapi(
        "saveImageToPhotosAlbum",
        "Media",
        "Save an image to the user's photo album.",
        sensitive=True,
    ),
    SeedJsapi("chooseVideo", "Media", "Record a video or pick one from the album.", sensitive=True),
    SeedJsapi("scan", "Media", "Open the camera to scan a QR code or barcode."),
    # payment
    SeedJsapi(
        "tradePay",
        "Payment",
        "Start the host app's cashier for a trade created by the merchant's backend.",
        sensitive=True,
    ),
    SeedJsapi(
        "paySignCenter",
        "Payment",
        "Sign an agreement for recurring (auto-debit) payments.",
        sensitive=True,
    ),
    # user information
    SeedJsapi(
        "getAuthCode",
        "User info",
        "Get an authorization code to exchange for an access "
        "token on the merchant's backend (OAuth).",
    ),
    SeedJsapi(
        "getOpenUserInfo",
        "User info",
        "Get the user's nickname and avatar after they agree.",
        sensitive=True,
    ),
    SeedJsapi(
        "getPhoneNumber",
        "User info",
        "Get the user's verified mobile number after they agree.",
        sensitive=True,
    ),
    SeedJsapi(
        "getAddress",
        "User info",
        "Let the user choose one of their saved shipping addresses.",
        sensitive=True,
    ),
    # storage
    SeedJsapi(
        "setStorage",
        "Storage",
        "Store a value on the device under a key (per mini program, up to 10 MB).",
    ),
    SeedJsapi("getStorage", "Storage", "Read a value stored on the device."),
    SeedJsapi("removeStorage", "Storage", "Delete a value stored on the device."),
    SeedJsapi("clearStorage", "Storage", "Delete every value the mini program stored."),
    # device
    SeedJsapi("getClipboard", "Device", "Read the text on the system clipboard.", sensitive=True),
    SeedJsapi("setClipboard", "Device", "Put text on the system clipboard."),
    SeedJsapi(
        "getSystemInfo", "Device", "Get the device model, OS, screen size and host app version."
    ),
    SeedJsapi("getNetworkType", "Device", "Get the network type (Wi-Fi, 4G, 5G, none)."),
    SeedJsapi("makePhoneCall", "Device", "Open the dialler with a number filled in."),
    SeedJsapi("vibrateShort", "Device", "Vibrate the device briefly."),
    SeedJsapi(
        "choosePhoneContact",
        "Device",
        "Let the user pick one contact from the address book.",
        sensitive=True,
    ),
    SeedJsapi(
        "addPhoneContact",
        "Device",
        "Add a contact to the address book.",
        sensitive=True,
        platforms=ANDROID,
    ),
    SeedJsapi(
        "openBluetoothAdapter",
        "Bluetooth",
        "Turn on the Bluetooth module; needed before any other Bluetooth call.",
        sensitive=True,
    ),
    SeedJsapi(
        "startBluetoothDevicesDiscovery",
        "Bluetooth",
        "Scan for nearby Bluetooth devices.",
        sensitive=True,
    ),
    SeedJsapi(
        "connectBLEDevice", "Bluetooth", "Connect to a Bluetooth Low Energy device.", sensitive=True
    ),
    SeedJsapi(
        "startBeaconDiscovery",
        "Bluetooth",
        "Scan for iBeacon devices nearby.",
        sensitive=True,
        platforms=IOS,
    ),
    # network and interface
    SeedJsapi("request", "Network", "Make an HTTPS request to an allowed server domain."),
    SeedJsapi("uploadFile", "Network", "Upload a local file to an allowed server domain."),
    SeedJsapi("downloadFile", "Network", "Download a file from an allowed server domain."),
    SeedJsapi("showToast", "Interface", "Show a short message that disappears by itself."),
    SeedJsapi("showShareMenu", "Interface", "Show the share panel for the current page."),
)

FEATURES: tuple[SeedFeature, ...] = (
    SeedFeature(
        "Basic payment",
        "Pay with the host app's cashier. Each mini program is activated after the tenant "
        "checks its merchant contract.",
        "activation",
        ("tradePay",),
    ),
    SeedFeature(
        "Recurring payment",
        "Auto-debit agreements for subscriptions and utilities.",
        "activation",
        ("paySignCenter", "tradePay"),
    ),
    SeedFeature(
        "Member profile",
        "Nickname, avatar, phone number and shipping addresses of a signed-in user.",
        "activation",
        ("getOpenUserInfo", "getPhoneNumber", "getAddress"),
    ),
    SeedFeature(
        "Camera and album",
        "Photos and videos from the camera or album, saved back to the album.",
        "direct",
        ("chooseImage", "chooseVideo", "saveImageToPhotosAlbum", "previewImage"),
    ),
    SeedFeature(
        "Bluetooth devices",
        "Pair with and talk to Bluetooth and BLE devices (shared bikes, vending machines).",
        "activation",
        ("openBluetoothAdapter", "startBluetoothDevicesDiscovery", "connectBLEDevice"),
    ),
)

SENSITIVE: frozenset[str] = frozenset(j.name for j in JSAPIS if j.sensitive)

# What a mini program may call in a host app of a tenant whose catalogue was never opened:
# every non-sensitive JSAPI and those of direct features (the seed's, applied as it stands).
DEFAULT_ALLOWED: tuple[str, ...] = tuple(
    sorted(
        {j.name for j in JSAPIS if not j.sensitive}
        | {name for f in FEATURES if f.access == "direct" for name in f.jsapis}
    )
)
