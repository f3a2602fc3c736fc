"""A simulated student: one Bokeh session driven at the protocol level, no browser.

It does what BokehJS does for a page: GET the page (Panel builds the session
and puts its token in the HTML), open the websocket with that token as a
subprotocol and the page's Origin, PULL-DOC the document as raw JSON, send
``document_ready``, then send events inside PATCH-DOC messages.  Bokeh's own
``Receiver`` assembles the server's messages.  Thirty of these load a server
the way thirty pages would, at a fraction of the CPU of thirty browsers.

Only ever point it at a server on this machine (127.0.0.1 / localhost).
"""
from __future__ import annotations

import asyncio
import json
import re
import time
import uuid

from bokeh.protocol import Protocol
from bokeh.protocol.receiver import Receiver
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

TOKEN = re.compile(r'"token":\s*"([^"]+)"')


def _map(pairs: dict) -> dict:
    """A dict as Bokeh's serializer writes it."""
    return {"type": "map", "entries": [[k, v] for k, v in pairs.items()]}


def new_id() -> str:
    return uuid.uuid4().hex


def objects(tree) -> list[dict]:
    """Every model object in Bokeh JSON (a document, a patch), each a dict with ``id``,
    ``name`` (its type) and ``attributes``, found wherever it is nested."""
    seen, stack = {}, [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "object" and "id" in item and item["id"] not in seen:
                seen[item["id"]] = item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return list(seen.values())


def plain(value):
    """Bokeh's JSON as plain Python: maps to dicts (numbers, strings and lists stay)."""
    if isinstance(value, dict):
        if value.get("type") == "map":
            return {plain(k): plain(v) for k, v in value.get("entries", [])}
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


async def fetch_page(base: str, path: str = "/app", query: str = "",
                     timeout: float = 60.0, cookie: str = "") -> tuple[str, str]:
    """GET the page as a browser does (with ``cookie``, a Cookie header, if it has one):
    the token of the session Panel made for it, and the cookies it set, as a Cookie
    header (behind ``deploy``'s nginx, the one that keeps the websocket on the server
    that made the session)."""
    url = f"{base}{path}{'?' + query if query else ''}"
    response = await AsyncHTTPClient().fetch(url, request_timeout=timeout,
                                             headers={"Cookie": cookie} if cookie else None)
    found = TOKEN.search(response.body.decode("utf-8", "replace"))
    if not found:
        raise RuntimeError(f"no session token in the page at {url}")
    cookies = [c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie")]
    return found.group(1), "; ".join(c for c in cookies if "=" in c) or cookie


async def page_token(base: str, path: str = "/app", query: str = "",
                     timeout: float = 60.0) -> str:
    """The token of the session Panel made for a GET of the page."""
    return (await fetch_page(base, path, query, timeout))[0]


async def open_socket(base: str, token: str, path: str = "/app", origin: str | None = None,
                      timeout: float = 30.0, cookie: str = ""):
    """The session's websocket, sent with ``origin`` as its Origin header (by default the
    server's own, as a page it served would send) and the page's cookies."""
    ws_url = base.replace("http://", "ws://", 1) + f"{path}/ws"
    headers = {"Origin": origin or base, **({"Cookie": cookie} if cookie else {})}
    request = HTTPRequest(ws_url, headers=headers,
                          connect_timeout=timeout, request_timeout=timeout)
    socket = await websocket_connect(request, subprotocols=["bokeh", token])
    # A Bokeh message is three or more frames: without TCP_NODELAY (browsers set it) the
    # later frames wait for the server's delayed ACK, 40 ms on Linux's loopback.
    socket.protocol.stream.set_nodelay(True)
    return socket


class Student:
    """One session, pulled and ready; ``send_event`` and ``next_message`` drive it."""

    def __init__(self, socket):
        self.socket = socket
        self.receiver = Receiver(Protocol())
        self.doc: dict = {}

    @classmethod
    async def join(cls, base: str, path: str = "/app", query: str = "", timeout: float = 60.0,
                   cookie: str = ""):
        """A session of the page; ``cookie``: the browser's (e.g. naming deploy's server)."""
        token, cookie = await fetch_page(base, path, query, timeout, cookie)
        student = cls(await open_socket(base, token, path, timeout=timeout, cookie=cookie))
        ack = await student.next_message(timeout)
        if ack.msgtype != "ACK":
            raise RuntimeError(f"expected ACK, got {ack.msgtype}")
        reply = await student.request("PULL-DOC-REQ", {}, timeout)
        student.doc = reply.content["doc"]
        await student.send_event(_map({}), "document_ready")  # as BokehJS does, once pulled
        return student

    # ---- the wire --------------------------------------------------------------------
    async def _write(self, msgtype: str, content: dict, msgid: str | None = None) -> str:
        msgid = msgid or new_id()
        header = {"msgid": msgid, "msgtype": msgtype}
        for fragment in (header, {}, content):
            await self.socket.write_message(json.dumps(fragment))
        return msgid

    async def next_message(self, timeout: float = 30.0):
        """The server's next whole message."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from the server in time")
            fragment = await asyncio.wait_for(self.socket.read_message(), left)
            if fragment is None:
                raise ConnectionError("the server closed the websocket")
            message = await self.receiver.consume(fragment)
            if message is not None:
                return message

    async def request(self, msgtype: str, content: dict, timeout: float = 30.0):
        """Send, and return the reply to it (messages in between are dropped)."""
        msgid = await self._write(msgtype, content)
        while True:
            message = await self.next_message(timeout)
            if message.header.get("reqid") == msgid:
                if message.msgtype == "ERROR":
                    raise RuntimeError(f"the server answered ERROR: {message.content}")
                return message

    async def send_patch(self, events: list, msgid: str | None = None) -> str:
        """Document events in a PATCH-DOC (the server answers OK); the message id."""
        return await self._write("PATCH-DOC", {"events": events}, msgid)

    async def send_event(self, values: dict, name: str, msgid: str | None = None) -> str:
        """A Bokeh event (``name``, serialized ``values``), as BokehJS sends one."""
        return await self.send_patch([{"kind": "MessageSent", "msg_type": "bokeh_event",
                                       "msg_data": {"type": "event", "name": name,
                                                    "values": values}}], msgid)

    async def model_event(self, model_id: str, name: str, msgid: str | None = None,
                          **values) -> str:
        """An event of one model (a button's click, a component's message)."""
        return await self.send_event(_map({"model": {"id": model_id}, **values}), name, msgid)

    # ---- the document ----------------------------------------------------------------
    def models(self):
        """Every model object in the pulled document (see ``objects``)."""
        return objects(self.doc.get("roots", []))

    def find(self, predicate) -> dict:
        for model in self.models():
            if predicate(model):
                return model
        raise LookupError("no such model in the document")

    def close(self):
        self.socket.close()
