"""Push in the browser without a push service: a stand-in PushManager holding a real
P-256 key pair, and its subscription's details."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.helpers.browser import (
    STAND_IN_PORT,
)

SWITCH_ON = "Switch on reminders on this phone"


# A stand-in for PushManager: the subscription lives in a cookie, so it survives reloads
# like a real one, and window.__push counts what the page asked for.
FAKE_PUSH_MANAGER = """
({ endpoint, p256dh, auth, initialKey }) => {
  const calls = (window.__push = { subscribed: 0, unsubscribed: 0 });
  // Not in Web Storage: a browser keeps a real subscription outside the site's storage,
  // and signing out wipes that storage while it switches reminders off.
  const STORE = "test-fake-push-key";
  const stored = () => {
    const found = document.cookie.match(/(?:^|; )test-fake-push-key=([^;]*)/);
    return found ? decodeURIComponent(found[1]) : null;
  };
  const keep = (key) => { document.cookie = `${STORE}=${encodeURIComponent(key)}; path=/`; };
  const drop = () => { document.cookie = `${STORE}=; path=/; max-age=0`; };
  if (initialKey && stored() === null) keep(initialKey);
  const toBytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const toText = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const subscription = (key) => ({
    endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: toBytes(key).buffer },
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => {
      calls.unsubscribed += 1;
      drop();
      return true;
    },
  });
  PushManager.prototype.getSubscription = async function () {
    const key = stored();
    return key === null ? null : subscription(key);
  };
  PushManager.prototype.subscribe = async function (options) {
    calls.subscribed += 1;
    const key = toText(options.applicationServerKey);
    keep(key);
    return subscription(key);
  };
}
"""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_public_key() -> str:
    point = ec.generate_private_key(ec.SECP256R1()).public_key()
    return b64url(
        point.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def stand_in_device() -> dict[str, str]:
    """A subscription's details as a browser would make them (nothing listens there)."""
    return {
        "endpoint": f"http://127.0.0.1:{STAND_IN_PORT}/push/{b64url(os.urandom(9))}",
        "p256dh": new_public_key(),
        "auth": b64url(os.urandom(16)),
    }
