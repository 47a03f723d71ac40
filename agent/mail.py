"""A `Digest` -> a multipart e-mail (plain text + HTML) sent over SMTP with the standard library.

In: the digest, recipients, the SMTP server (host:port), STARTTLS and login options. Out: the message sent, or a
`DigestError` saying what failed (connection, TLS, login, refusal) and what to check. A password is never sent
over a plain connection unless the caller insists (`insecure_login`), and an address with a line break (header
injection) is refused before anything is sent.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from agent.digest import Digest
from agent.errors import DigestError
from agent.render import to_html, to_text


def check_address(address: str) -> str:
    if not address.strip() or any(c in address for c in "\r\n\0") or len(address) > 320:
        raise DigestError(f"{address!r} is not an e-mail address.", "Give one address per --email, like a@b.org.")
    return address.strip()


def digest_message(digest: Digest, sender: str, recipients: list[str]) -> EmailMessage:
    sender, recipients = check_address(sender), [check_address(r) for r in recipients]
    message = EmailMessage()
    message["Subject"] = digest.title
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="daily-papers.local")
    message.set_content(to_text(digest))
    message.add_alternative(to_html(digest), subtype="html")
    return message


def parse_server(server: str) -> tuple[str, int]:
    host, _, port = server.rpartition(":")
    if not host or not port.isdigit():
        raise DigestError(f"--smtp {server!r} is not HOST:PORT.", "For example --smtp smtp.example.org:587.")
    return host, int(port)


def send_digest(
    digest: Digest,
    recipients: list[str],
    server: str,
    sender: str = "daily-papers@localhost",
    starttls: bool = False,
    user: str = "",
    password: str = "",
    timeout: float = 30.0,
    insecure_login: bool = False,
) -> EmailMessage:
    host, port = parse_server(server)
    if user and not starttls and not insecure_login:
        raise DigestError(
            "--user without --starttls would send the password in clear text.",
            "Add --starttls, or --insecure-login if the server is on this machine and you accept that.",
        )
    message = digest_message(digest, sender, recipients)
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
            if user:
                smtp.login(user, password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise DigestError(
            f"The SMTP server refused the login for {user!r}.", "Check --user and the password."
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise DigestError(
            f"Could not send the digest through {host}:{port} ({type(error).__name__}: {error}).",
            "Check --smtp, --starttls and that the server is reachable.",
        ) from error
    return message
