"""autobahn-python (asyncio) as a peer of the embedded router.

Run by python_autobahn_test.ts with the Python of .peers/abvenv:

    python py_autobahn.py <url> <json|msgpack|cbor>

Joins realm1 with that serializer (ApplicationSession and ApplicationRunner)
over WebSocket (ws:// URL) or RawSocket (rs://host:port or rs://unix:/path),
registers

    py.add   (a, b, **kw) -> CallResult(a + b, sum=a + b, echo=kw)
    py.slow  waits 60 s; reports {"invoked"} when called and
             {"interrupted"} when the wait is cancelled (INTERRUPT)

calls the wampkit callee of the test (wampkit.echo, the progressive
wampkit.count, wampkit.fail) and reports {"ready": {...}}. Then it serves
until "bye" on stdin (or stdin ends), leaves, and exits 0.

Report lines are "@@wampkit " + JSON; see tests/interop/_child.ts.
"""

import asyncio
import json
import sys

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.serializer import (
    CBORSerializer,
    JsonSerializer,
    MsgPackSerializer,
)
from autobahn.wamp.types import CallOptions, CallResult

MARK = "@@wampkit "
URL, SERIALIZER = sys.argv[1], sys.argv[2]
SERIALIZERS = {
    "json": JsonSerializer,
    "msgpack": MsgPackSerializer,
    "cbor": CBORSerializer,
}
STEP = 20
WATCHDOG = 90
failed = []


def report(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def plain(result):
    if isinstance(result, CallResult):
        return {"args": list(result.results), "kwargs": dict(result.kwresults)}
    return {"value": result}


def protocol_of(transport):
    """The subprotocol in use: WebSocket names it; RawSocket has the serializer."""
    protocol = getattr(transport, "websocket_protocol_in_use", None)
    if protocol:
        return protocol
    return f"wamp.2.{transport._serializer.SERIALIZER_ID}"


class Peer(ApplicationSession):
    joined = False

    async def onJoin(self, details):
        self.joined = True
        try:
            await self.work(details)
        except Exception as err:  # noqa: BLE001 - report everything
            failed.append(err)
            report({"error": f"{type(err).__name__}: {err}"})
        # Not awaited: the GOODBYE answer disconnects and stops the loop.
        self.leave()

    async def work(self, details):
        def add(a, b, **kw):
            return CallResult(a + b, sum=a + b, echo=kw)

        async def slow():
            report({"invoked": "py.slow"})
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                report({"interrupted": "py.slow"})
                raise
            return "finished"

        await self.register(add, "py.add")
        await self.register(slow, "py.slow")

        echo = await asyncio.wait_for(
            self.call(
                "wampkit.echo",
                1,
                "two",
                {"three": 3.5, "list": [None, True, False]},
                unicode="ü€😀",
                nested={"a": [1, {"b": None}]},
                neg=-7,
            ),
            STEP,
        )
        progress = []
        count = await asyncio.wait_for(
            self.call(
                "wampkit.count",
                3,
                options=CallOptions(
                    on_progress=lambda *a, **kw: progress.append(
                        {"args": list(a), "kwargs": kw}
                    )
                ),
            ),
            STEP,
        )
        try:
            await asyncio.wait_for(self.call("wampkit.fail"), STEP)
            fail = {"unexpected": "result"}
        except ApplicationError as e:
            fail = {"error": e.error, "args": list(e.args), "kwargs": e.kwargs}
        report(
            {
                "ready": {
                    "session": details.session,
                    "protocol": protocol_of(self._transport),
                    "transport": "rawsocket"
                    if "RawSocket" in type(self._transport).__name__
                    else "websocket",
                    "echo": plain(echo),
                    "count": {"progress": progress, "final": plain(count)},
                    "fail": fail,
                }
            }
        )
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if line == "" or line.strip() == "bye":
                break

    def onLeave(self, details):
        if not self.joined:
            failed.append(details)
            report({"error": f"could not join: {details.reason} {details.message}"})
        super().onLeave(details)

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def watchdog():
        report({"error": f"watchdog: still running after {WATCHDOG} s"})
        sys.stdout.flush()
        import os

        os._exit(3)

    loop.call_later(WATCHDOG, watchdog)
    runner = ApplicationRunner(
        URL, "realm1", serializers=[SERIALIZERS[SERIALIZER]()]
    )
    try:
        runner.run(Peer)
    except BaseException as err:  # noqa: BLE001 - report everything
        report({"error": f"{type(err).__name__}: {err}"})
        sys.exit(1)
    if failed:
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
