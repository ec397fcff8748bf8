"""Outbound channels: email, push and SMS behind one provider interface, with sinks for development.

Every call carries the delivery's stable idempotency key (`<notification id>:<channel>`). A provider
that `deduplicates` promises that a second call with the same key sends nothing — the file sinks do
it with an atomic create-if-absent, as an HTTP provider does with an Idempotency-Key header — so the
dispatcher may safely resend after a crash between "provider accepted" and "delivery marked sent".
Plain SMTP has no such promise: the key becomes the Message-ID (mail stores collapse duplicates on
it), and the dispatcher does not resend an SMTP attempt whose outcome it never learned.
"""

from __future__ import annotations

import asyncio
import email.utils
import html
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import orjson

from commerce.core.settings import Settings


@dataclass(frozen=True)
class OutboundMessage:
    idempotency_key: str
    channel: str
    to: tuple[str, ...]  # email address / phone number / push device tokens
    title: str
    body: str
    link: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_ref: str
    duplicate: bool = False  # the provider had already accepted this key: nothing was sent now


class DeliveryFailed(Exception):  # noqa: N818 - reads as "delivery failed (permanently or not)"
    """`permanent` failures (a refused address) are not retried; the rest are, with backoff."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Provider(Protocol):
    name: str
    deduplicates: bool

    async def send(self, message: OutboundMessage) -> SendResult: ...


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _file_name(key: str) -> str:
    return _UNSAFE.sub("-", key)


class FileSink:
    """Records what would be sent as one file per idempotency key (`var/outbox/<channel>/`)."""

    deduplicates = True

    def __init__(self, name: str, directory: Path, suffix: str, encode: Callable[[OutboundMessage], bytes]) -> None:
        self.name = name
        self.directory = directory
        self.suffix = suffix
        self.encode = encode

    def path_for(self, key: str) -> Path:
        return self.directory / f"{_file_name(key)}{self.suffix}"

    def _write(self, message: OutboundMessage) -> SendResult:
        path = self.path_for(message.idempotency_key)
        if path.exists():
            return SendResult(provider_ref=path.name, duplicate=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f".{path.name}.{os.getpid()}.tmp"
        partial.write_bytes(self.encode(message))
        try:
            # Create-if-absent in one step: a whole file or none, and never two for one key.
            os.link(partial, path)
        except FileExistsError:
            return SendResult(provider_ref=path.name, duplicate=True)
        finally:
            partial.unlink(missing_ok=True)
        return SendResult(provider_ref=path.name)

    async def send(self, message: OutboundMessage) -> SendResult:
        return await asyncio.to_thread(self._write, message)


def build_email(message: OutboundMessage, sender: str) -> EmailMessage:
    """Plain text plus a small HTML part; every user-supplied string is escaped in the HTML."""
    domain = email.utils.parseaddr(sender)[1].partition("@")[2] or "lakoo.id"
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(message.to)
    mail["Subject"] = message.title
    mail["Date"] = email.utils.formatdate(usegmt=True)
    mail["Message-ID"] = f"<{_file_name(message.idempotency_key)}@{domain}>"
    mail["X-Lakoo-Idempotency-Key"] = message.idempotency_key
    mail.set_content(f"{message.body}\n\n{message.link}\n\n— LAKOO\n")
    mail.add_alternative(
        "<!doctype html><html><body style=\"font-family:sans-serif\">"
        f"<h2>{html.escape(message.title)}</h2><p>{html.escape(message.body)}</p>"
        f"<p><a href=\"{html.escape(message.link, quote=True)}\">Buka di LAKOO</a></p></body></html>",
        subtype="html",
    )
    return mail


def encode_json(message: OutboundMessage) -> bytes:
    if message.channel == "sms":
        body = {"to": message.to[0], "text": sms_text(message), "idempotency_key": message.idempotency_key}
    else:
        body = {"tokens": list(message.to), "title": message.title, "body": message.body,
                "data": {**message.data, "link": message.link}, "idempotency_key": message.idempotency_key}
    return orjson.dumps(body, option=orjson.OPT_INDENT_2)


def sms_text(message: OutboundMessage) -> str:
    """One GSM segment's worth: SMS is for facts (a tracking number), not for reading."""
    text = f"LAKOO: {message.body}"
    return text if len(text) <= 160 else text[:159] + "…"


class SmtpSender:
    name = "smtp"
    deduplicates = False

    def __init__(self, *, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, security: str = "none", timeout_s: float = 15.0) -> None:
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"smtp security must be none, starttls or tls, not {security!r}")
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.security, self.timeout_s = username, password, security, timeout_s

    def _send(self, message: OutboundMessage) -> SendResult:
        mail = build_email(message, self.sender)
        context = ssl.create_default_context()
        try:
            if self.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with client:
                if self.security == "starttls":
                    client.starttls(context=context)
                if self.username:
                    client.login(self.username, self.password or "")
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx on the message itself is final; 4xx (greylisting, full mailbox) and auth trouble retry.
            permanent = 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError)
            raise DeliveryFailed(f"smtp {exc.smtp_code}: {exc.smtp_error!r}", permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"smtp unreachable: {exc!r}") from exc
        return SendResult(provider_ref=str(mail["Message-ID"]))

    async def send(self, message: OutboundMessage) -> SendResult:
        return await asyncio.to_thread(self._send, message)


def outbox_dir(settings: Settings, channel: str) -> Path:
    return settings.var_dir / "outbox" / channel


def build_providers(settings: Settings) -> dict[str, Provider]:
    """The configured provider per outbound channel. Push and SMS have only the sink so far; a real
    gateway is one class with `send()` that passes the idempotency key on."""
    if settings.email_backend == "smtp":
        mail: Provider = SmtpSender(host=settings.smtp_host, port=settings.smtp_port, sender=settings.email_from,
                                    username=settings.smtp_username, password=settings.smtp_password,
                                    security=settings.smtp_security, timeout_s=settings.smtp_timeout_s)
    elif settings.email_backend == "file":
        mail = FileSink("file-email", outbox_dir(settings, "email"), ".eml",
                        lambda m: bytes(build_email(m, settings.email_from)))
    else:
        raise ValueError(f"LAKOO_EMAIL_BACKEND must be file or smtp, not {settings.email_backend!r}")
    for which in ("push", "sms"):
        backend = getattr(settings, f"{which}_backend")
        if backend != "file":
            raise ValueError(f"LAKOO_{which.upper()}_BACKEND must be file, not {backend!r}")
    return {
        "email": mail,
        "push": FileSink("file-push", outbox_dir(settings, "push"), ".json", encode_json),
        "sms": FileSink("file-sms", outbox_dir(settings, "sms"), ".json", encode_json),
    }
