"""Where a webhook may be sent: https (or http if allowed), public addresses only (SSRF)."""

import ipaddress
import socket
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import idna

from ocrapp.core.errors import WebhookUrlRefused

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart, with the addresses checked to connect to, in order."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        """The Host header: the name as the URL gives it, with a port that is not the default."""
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


# IPv6 ranges whose last 32 bits are an IPv4 address that a gateway may reach for them:
# NAT64's well-known prefix, SIIT's translated form, the deprecated IPv4-compatible form.
IPV4_CARRIERS = tuple(
    ipaddress.ip_network(network) for network in ("64:ff9b::/96", "::ffff:0:0:0/96", "::/96")
)
# Not global by IANA, though Python before 3.12.4 and 3.11.10 counts them so: IETF
# protocol assignments, and NAT64's local-use prefix (RFC 8215), which a network may
# translate to its private IPv4 addresses.
NOT_GLOBAL = tuple(ipaddress.ip_network(network) for network in ("192.0.0.0/24", "64:ff9b:1::/48"))


def carried_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64, ...), if it does."""
    if address.ipv4_mapped is not None or address.sixtofour is not None:
        return address.ipv4_mapped or address.sixtofour
    if any(address in network for network in IPV4_CARRIERS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IpAddress) -> bool:
    """Whether `address` is on the public internet: not loopback, private, link-local, ..."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_site_local:
            return False
        address = carried_ipv4(address) or address
    # is_global leaves out loopback, private, link-local (169.254.169.254, the cloud
    # metadata service, among them), shared (100.64/10), unique-local and reserved ranges.
    return (
        address.is_global
        and not address.is_multicast
        and not any(address in network for network in NOT_GLOBAL)
    )


# What a path and query keep as they are: RFC 3986's reserved and unreserved characters,
# and "%" of escapes already there. Anything else (non-ASCII text) is percent-encoded.
PATH_CHARACTERS = "/?#[]@!$&'()*+,;=:%-._~"


def ascii_host(host: str) -> str:
    """The host as it goes out (SNI, Host, DNS): a name in another script as a browser
    writes it (IDNA 2008, UTS 46: `faß.de` is `xn--fa-hia.de`; Python's own codec, IDNA
    2003, made it `fass.de`, another domain). An ASCII name only has its labels checked."""
    if host.isascii():
        return host.encode("idna").decode("ascii")  # a label over 63 characters: an error
    return idna.encode(host, uts46=True, transitional=False).decode("ascii")


def check_url(url: str, config) -> tuple[str, str, int, str]:
    """Refuse a URL that is not https (or http when allowed); return its parts, as they go
    on the wire: the host in ASCII (IDNA), the path and query percent-encoded."""
    if any(character.isspace() or unicodedata.category(character) == "Cc" for character in url):
        raise WebhookUrlRefused("A webhook URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookUrlRefused(f"The URL cannot be read: {error}.") from None
    schemes = ("https", "http") if config["WEBHOOK_ALLOW_HTTP"] else ("https",)
    if parts.scheme not in schemes:
        starts = " or ".join(f"{scheme}://" for scheme in schemes)
        raise WebhookUrlRefused(f"A webhook URL must start with {starts}.")
    if not parts.hostname:
        raise WebhookUrlRefused("A webhook URL must name a host.")
    if parts.username or parts.password:
        raise WebhookUrlRefused("A webhook URL may not carry a user name or password.")
    try:
        host = ascii_host(parts.hostname)
    except (UnicodeError, idna.IDNAError) as error:
        raise WebhookUrlRefused(f"The host {parts.hostname} cannot be read: {error}.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    path = quote(path, safe=PATH_CHARACTERS)
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def resolve(host: str, port: int) -> list[IpAddress]:
    """Return every address `host` resolves to (itself, if it is an address)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookUrlRefused(f"The host {host} cannot be resolved: {error}.") from None
    # An IPv6 address may carry a zone ("fe80::1%eth0"); the address is what is checked.
    return [ipaddress.ip_address(entry[4][0].split("%")[0]) for entry in found]


def checked_target(url: str, config) -> Target:
    """Resolve the URL's host once and check every address; return those to connect to.

    Called when an endpoint is saved and again before each delivery: a name may resolve
    elsewhere later (DNS rebinding), so the connection goes to an address checked here.
    """
    scheme, host, port, path = check_url(url, config)
    addresses = resolve(host, port)
    if not config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]:
        refused = [address for address in addresses if not is_public(address)]
        if refused:
            named = host if str(refused[0]) == host else f"{host} resolves to {refused[0]}, which"
            raise WebhookUrlRefused(
                f"{named} is not a public address (loopback, private, link-local and metadata "
                "addresses are refused).",
                address=str(refused[0]),
            )
    unique = tuple(dict.fromkeys(str(address) for address in addresses))
    return Target(scheme, host, port, path, unique)
