"""Is a webhook address safe to post to? Checked when a channel is saved and again at send time.

A webhook URL is typed by a user, and the server posts to it: without a check it is a way to
reach the server's own network (SSRF). The host is resolved and every address it resolves to
must be a public one, unless an administrator allowed private targets (an on-premises chat
server). The check returns the addresses it approved so that the sender connects to exactly
those (a second DNS answer cannot swap in an internal address — DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from riskdesk.monitoring.choices import ChannelErrorCode

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def is_public(address: IPAddress) -> bool:
    """Not loopback, private, link-local, reserved, multicast or unspecified (also when mapped)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return ()
    seen: dict[str, IPAddress] = {}
    for info in infos:
        text = str(info[4][0]).split("%")[0]
        seen.setdefault(text, ipaddress.ip_address(text))
    return tuple(seen.values())


def _error(message, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def check_webhook_url(url: str, *, allow_private: bool = False) -> CheckedUrl:
    """The URL, its host and its approved addresses; raises a bilingual ``ValidationError``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _error(_("地址无效 / Invalid URL."), ChannelErrorCode.INVALID_URL) from None
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise _error(
            _("地址须以 https:// 开头 / The URL must start with https://."),
            ChannelErrorCode.INVALID_URL,
        )
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        raise _error(
            _("只允许 HTTPS 地址 / Only HTTPS URLs are allowed."), ChannelErrorCode.INSECURE_URL
        )
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port)
    if not addresses:
        raise _error(
            _("无法解析主机 %(host)s / Cannot resolve host %(host)s.") % {"host": parts.hostname},
            ChannelErrorCode.UNRESOLVABLE,
        )
    private = [str(a) for a in addresses if not is_public(a)]
    if private and not (allow_private or settings.WEBHOOK_ALLOW_PRIVATE):
        raise _error(
            _(
                "不允许发送到内网或保留地址 %(addresses)s / Private, loopback or reserved "
                "addresses are not allowed: %(addresses)s."
            )
            % {"addresses": ", ".join(private)},
            ChannelErrorCode.PRIVATE_TARGET,
        )
    return CheckedUrl(
        url=url.strip(), scheme=parts.scheme, host=parts.hostname, port=port, addresses=addresses
    )
