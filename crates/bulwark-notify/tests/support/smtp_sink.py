"""A real SMTP receiver for the tests: aiosmtpd on 127.0.0.1, port chosen by the OS (printed as "PORT <n>").

With --tls-cert/--tls-key it offers STARTTLS and requires it before MAIL (aiosmtpd's require_starttls);
without them it offers no STARTTLS at all. Each accepted message is written to <dir>/msg-<n>.json with the
envelope, the raw message and whether the session was encrypted.
"""
import argparse
import asyncio
import itertools
import json
import os
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True)
parser.add_argument("--tls-cert")
parser.add_argument("--tls-key")
args = parser.parse_args()
counter = itertools.count()


class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "tls": session.ssl is not None,
        }
        tmp = os.path.join(args.dir, f"msg-{n:04}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(args.dir, f"msg-{n:04}.json"))
        return "250 Message accepted for delivery"


context = None
if args.tls_cert:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.tls_cert, args.tls_key)

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(("127.0.0.1", 0))
sock.listen(16)


def factory():
    return SMTP(
        Handler(),
        hostname="sink.test",
        tls_context=context,
        require_starttls=context is not None,
        data_size_limit=10 * 1024 * 1024,
    )


server = loop.run_until_complete(loop.create_server(factory, sock=sock))
print(f"PORT {sock.getsockname()[1]}", flush=True)
try:
    loop.run_forever()
finally:
    server.close()
