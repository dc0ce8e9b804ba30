"""autobahn-python (asyncio) logs in to the embedded router.

Run by python_auth_test.ts with the Python of .peers/abvenv (autobahn with
its encryption and scram extras):

    python py_autobahn_auth.py <url> <attempts as JSON>

Each attempt is {"name", "authentication": {<method>: <kwargs>}, "actions":
[{"action", "uri"}]}: the `authentication` of autobahn's Component, given
to `Session.add_authenticator(create_authenticator(method, **kwargs))` as
the Component does (ticket: authid, ticket; wampcra: authid, secret;
cryptosign: authid?, privkey (hex seed); scram: authid, password). Actions
are call, register, publish (acknowledged) and subscribe. Attempts run one
after the other over their own WebSocket; the script reports

    {"result": {<name>: {"joined", "session", "welcome", "challenges",
                         "actions", "leave"}}}

Report lines are "@@wampkit " + JSON; see tests/interop/_child.ts.
"""

import asyncio
import json
import sys
from urllib.parse import urlparse

from autobahn.asyncio.wamp import Session
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp.auth import create_authenticator
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import ComponentConfig, PublishOptions

MARK = "@@wampkit "
URL, ATTEMPTS = sys.argv[1], json.loads(sys.argv[2])
STEP = 20
WATCHDOG = 90


def report(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


class Peer(Session):
    """One attempt: joins (or not), acts, leaves, and keeps what it saw."""

    def __init__(self, config, attempt, done):
        super().__init__(config)
        self.attempt = attempt
        self.done = done
        self.outcome = {"joined": False, "challenges": [], "actions": []}

    def onChallenge(self, challenge):
        self.outcome["challenges"].append(
            {"method": challenge.method, "extra": dict(challenge.extra)}
        )
        return super().onChallenge(challenge)

    async def onJoin(self, details):
        self.outcome["joined"] = True
        self.outcome["session"] = details.session
        self.outcome["welcome"] = {
            "authid": details.authid,
            "authrole": details.authrole,
            "authmethod": details.authmethod,
            "authprovider": details.authprovider,
            "authextra": details.authextra,
        }
        try:
            for step in self.attempt.get("actions", []):
                self.outcome["actions"].append(
                    await asyncio.wait_for(self.act(step), STEP)
                )
        except Exception as err:  # noqa: BLE001 - report everything
            self.finish(err)
        self.leave()

    async def act(self, step):
        action, uri = step["action"], step["uri"]
        try:
            if action == "call":
                return {"result": await self.call(uri)}
            if action == "register":
                await self.register(lambda: None, uri)
            elif action == "subscribe":
                await self.subscribe(lambda *a, **kw: None, uri)
            elif action == "publish":
                await self.publish(uri, options=PublishOptions(acknowledge=True))
            else:
                raise ValueError(f"unknown action {action}")
            return {"ok": True}
        except ApplicationError as err:
            return {"error": err.error}

    def onLeave(self, details):
        self.outcome["leave"] = {"reason": details.reason, "message": details.message}
        super().onLeave(details)

    def onDisconnect(self):
        self.finish()

    def finish(self, err=None):
        if self.done.done():
            return
        if err is not None:
            self.done.set_exception(err)
        else:
            self.done.set_result(self.outcome)


async def attempt(a):
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def make():
        session = Peer(ComponentConfig(realm="realm1"), a, done)
        for method, kwargs in a["authentication"].items():
            session.add_authenticator(create_authenticator(method, **kwargs))
        return session

    u = urlparse(URL)
    factory = WampWebSocketClientFactory(make, url=URL)
    transport, _ = await loop.create_connection(factory, u.hostname, u.port)
    try:
        return await asyncio.wait_for(done, STEP)
    finally:
        transport.close()


async def run():
    result = {}
    for a in ATTEMPTS:
        result[a["name"]] = await attempt(a)
    report({"result": result})


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def watchdog():
        report({"error": f"watchdog: still running after {WATCHDOG} s"})
        import os

        os._exit(3)

    loop.call_later(WATCHDOG, watchdog)
    try:
        loop.run_until_complete(run())
    except BaseException as err:  # noqa: BLE001 - report everything
        report({"error": f"{type(err).__name__}: {err}"})
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
