"""Where webhooks may be sent: the SSRF guard.

On AWS only `https` URLs whose host resolves to public addresses are called: private, loopback,
link-local (the instance metadata service, 169.254.169.254, among them), unique-local, multicast and
reserved addresses are refused, whatever name points there. The address checked is the address
connected to (outbound.py pins it), so a DNS answer that changes between check and call
(DNS rebinding) cannot slip through. Local mode (`make run`) also allows plain `http` and loopback,
so a receiver on 127.0.0.1 works.
"""

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

# A host whose last label is a number is an IPv4 address to URL parsers (WHATWG), and to the system
# resolver even in octal or hex (`0177.0.0.1` is 127.0.0.1); HTTP clients refuse all but the dotted
# decimal form. Such a host must be that form, so that what is checked is what is called.
_NUMERIC_LABEL = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")

# AWS's instance metadata endpoints (IPv4 link-local, and the IPv6 one of Nitro instances).
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class DestinationRefused(Exception):
    """The URL may not be called; the message says why (it is shown to the subscriber)."""


@dataclass(frozen=True)
class Destination:
    url: str
    scheme: str
    host: str
    port: int
    # The address to connect to: checked, and pinned for the request.
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _refusal(address: IpAddress, local_mode: bool) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in _METADATA:
        return "the cloud metadata service"
    if address.is_loopback:
        return None if local_mode else "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a private address"
    return None


def parse_endpoint(url: str, local_mode: bool) -> tuple[str, str, int]:
    """Scheme, host and port of an endpoint URL that may be used at all (before resolving its host)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise DestinationRefused(f"endpointUrl is not a valid URL: {error}.") from None
    allowed = ("https", "http") if local_mode else ("https",)
    if parts.scheme not in allowed:
        raise DestinationRefused(
            "endpointUrl must be an https:// URL." if not local_mode else "endpointUrl must be an http(s):// URL."
        )
    if not parts.hostname:
        raise DestinationRefused("endpointUrl has no host.")
    if parts.username or parts.password:
        raise DestinationRefused("endpointUrl may not carry credentials: use endpointAuth.")
    if parts.fragment:
        raise DestinationRefused("endpointUrl may not have a fragment (#...).")
    _check_numeric_host(parts.hostname)
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _check_numeric_host(host: str) -> None:
    if ":" in host or not _NUMERIC_LABEL.match(host.rstrip(".").rsplit(".", 1)[-1]):
        return
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        raise DestinationRefused(
            f"endpointUrl's host {host} is not a valid IPv4 address: write it as four decimal numbers "
            "without leading zeros (for example 203.0.113.7), or use a host name."
        ) from None


def check_address(text: str, local_mode: bool) -> IpAddress:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    reason = _refusal(address, local_mode)
    if reason:
        raise DestinationRefused(f"endpointUrl resolves to {reason} ({address}), which webhooks may not call.")
    return address


def check_endpoint_url(url: str, local_mode: bool, resolver: Resolver = system_resolver) -> None:
    """At subscription time: the URL's form, and its host when it resolves now (a name that does not
    resolve yet is accepted; every delivery resolves and checks it again)."""
    _, host, port = parse_endpoint(url, local_mode)
    if host.lower() in {"localhost", "localhost.localdomain"} or host.lower().endswith(".localhost"):
        if not local_mode:
            raise DestinationRefused("endpointUrl points at this machine (localhost), which webhooks may not call.")
        return
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError):
        return
    for address in addresses:
        check_address(address, local_mode)


def resolve_destination(url: str, local_mode: bool, resolver: Resolver = system_resolver) -> Destination:
    """At delivery time: every address the host resolves to must be allowed; the first is used."""
    scheme, host, port = parse_endpoint(url, local_mode)
    try:
        addresses = list(resolver(host, port))
    except (OSError, UnicodeError) as error:
        raise DestinationRefused(f"endpointUrl's host {host} does not resolve ({error}).") from None
    if not addresses:
        raise DestinationRefused(f"endpointUrl's host {host} does not resolve.")
    for address in addresses:
        check_address(address, local_mode)
    return Destination(url=url, scheme=scheme, host=host, port=port, address=addresses[0].split("%", 1)[0])
