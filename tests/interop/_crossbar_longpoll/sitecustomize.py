# Run-time patch for Crossbar 22.3.1's HTTP long-poll transport, loaded by
# every Crossbar process through PYTHONPATH (crossbar_longpoll_test.ts sets
# it; worker processes inherit the environment). Crossbar 22.3.1's router
# session reads `transport.peer` when it WELCOMEs a session (for the
# `x_cb_peer` authextra), which its WebSocket and RawSocket protocols have
# and its long-poll session does not: every HELLO over long-poll fails with
# AttributeError. The patch gives the long-poll session that one attribute,
# from the client address Crossbar itself recorded at `open`; nothing else
# of Crossbar is changed. (From 22.4.1 on, RouterSession.onOpen refuses
# long-poll transports outright: crossbar issue #1595.)
import importlib.abc
import sys

_TARGET = "crossbar.webservice.longpoll"


def _patch(module):
    cls = module.WampLongPollResourceSession
    if not hasattr(cls, "peer"):
        cls.peer = property(
            lambda self: "tcp4:{}".format(self._transport_info.get("peer"))
        )


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != _TARGET:
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util

            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def patched(module):
            exec_module(module)
            _patch(module)

        loader.exec_module = patched
        return spec


sys.meta_path.insert(0, _PatchAfterImport())
