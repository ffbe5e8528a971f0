"""A real SMTP server for alert's e-mail tests, on aiosmtpd (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 (a free port), prints "PORT <n>" once ready, then one JSON line per
message received: envelope sender and recipients, the message as sent, whether the session
was encrypted, who logged in, and the client certificate's common name.

Options: --starttls CERT KEY (offer STARTTLS and require it), --smtps CERT KEY (TLS from the
first byte), --client-ca CA (require a client certificate signed by CA), --auth USER PASSWORD
(require a login), --reply "CODE TEXT" (answer DATA with this instead of 250).
"""

import argparse
import asyncio
import json
import logging
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--client-ca")
    parser.add_argument("--auth", nargs=2, metavar=("USER", "PASSWORD"))
    parser.add_argument("--reply", default="250 OK")
    return parser.parse_args()


def server_context(cert_key, client_ca):
    if cert_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert_key)
    if client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


def common_name(ssl_object):
    if ssl_object is None:
        return None
    cert = ssl_object.getpeercert() or {}
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


class Recorder:
    def __init__(self, reply):
        self.reply = reply

    async def handle_DATA(self, server, session, envelope):
        ssl_object = server.transport.get_extra_info("ssl_object")
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "tls": ssl_object is not None,
            "login": session.auth_data,
            "client_cn": common_name(ssl_object),
        }
        print(json.dumps(record), flush=True)
        return self.reply


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    return authenticate


async def main():
    args = parse_args()
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    starttls = server_context(args.starttls, args.client_ca)
    smtps = server_context(args.smtps, args.client_ca)
    recorder = Recorder(args.reply)

    def protocol():
        return SMTP(
            recorder,
            hostname="alert-test",
            tls_context=starttls,
            require_starttls=starttls is not None,
            auth_required=args.auth is not None,
            auth_require_tls=starttls is not None,
            authenticator=authenticator_for(*args.auth) if args.auth else None,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(protocol, "127.0.0.1", 0, ssl=smtps)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
