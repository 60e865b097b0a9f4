"""The local stack's emulated AWS: moto's server on loopback, its state kept in the data folder.

DynamoDB lives in ``dynamodb.sqlite3`` (``infrastructure/local/dynamodb.py``): written through
per request, nothing to replay. Every other service (S3, SES identities, Scheduler) is moto's
own, in memory; its successful writes are journaled (``journal.py``) and replayed at start.
Beyond that, moto is made to keep only what the product reads back: it stops remembering every
model object it ever built, and forgets sent mail and text messages (the local outbox folder
has them).
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from chalicelib.observability import logger
from infrastructure.local.item_store import ItemStore
from infrastructure.local.journal import Journal, replay

ACCOUNT_ID = "123456789012"  # moto's account for any access key that names none
REGION = "eu-central-1"
SHUTDOWN_POLL_SECONDS = 0.1
SENT_KEPT = 100  # sent mails and texts moto keeps (nothing reads them back)


class EmulatedAws:
    """moto on ``host:port`` (0: any free port) with state in ``data_dir``."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.data_dir = data_dir
        self.store = ItemStore(data_dir / "dynamodb.sqlite3")
        self.journal = Journal(data_dir / "aws-journal.jsonl")
        self._server = _Server(host, port)
        self.replayed = 0
        self.replay_failed = 0
        self.url = ""

    def start(self) -> str:
        """Start serving; returns the endpoint URL once the journal is replayed."""
        from infrastructure.local.dynamodb import install, serialized

        stop_tracking_models()
        use_large_object_files()
        streams = install(self.store, ACCOUNT_ID, REGION)
        self._server.serve(lambda app: serialized(self.store, app, streams))
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        started = time.monotonic()
        outcome = replay(self.journal, self.url)
        self.replayed, self.replay_failed = outcome.kept, outcome.failed
        if outcome.failed:
            logger.warning(
                "journal entries no longer apply and were dropped",
                extra={"failed": outcome.failed, "kept": outcome.kept},
            )
        logger.info(
            "emulated AWS ready",
            extra={"replayed": outcome.kept, "seconds": round(time.monotonic() - started, 2)},
        )
        self._server.serve(lambda app: serialized(self.store, self.journal.wrap(app), streams))
        return self.url

    def stop(self) -> None:
        self._server.stop()
        self.store.close()

    def stream_of(self, table_name: str) -> Any:
        """The stream of a table (a ``StoredStream``: it keeps its readers' checkpoints)."""
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name).stream_shard

    def housekeeping(self) -> None:
        """Forget sent mail and text messages beyond the last few (moto keeps every one)."""
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        ses = ses_backends[ACCOUNT_ID][REGION]
        del ses.sent_messages[:-SENT_KEPT]
        sns = sns_backends[ACCOUNT_ID][REGION]
        for message_id in list(sns.sms_messages)[:-SENT_KEPT]:
            del sns.sms_messages[message_id]


def stop_tracking_models() -> None:
    """moto's ``BaseModel`` appends every instance it makes to a class list, for its dashboard
    and for resets; the local stack uses neither, and with it every item read, copied or
    written stays in memory for ever (300,000 objects for 200 cards)."""
    from moto.core.common_models import BaseModel

    def untracked(cls: type, *args: Any, **kwargs: Any) -> Any:
        return object.__new__(cls)

    BaseModel.__new__ = untracked  # type: ignore[assignment, method-assign]
    from moto.core.model_instances import reset_model_data

    reset_model_data()


class _Server(ThreadedMotoServer):
    """moto's threaded server whose WSGI app can be wrapped (``serve``) while it runs."""

    def __init__(self, host: str, port: int) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        super().__init__(ip_address=host, port=port, verbose=False)
        self._plain = DomainDispatcherApplication(create_backend_app)
        self._handler: Any = self._plain
        self._failure: OSError | None = None

    def serve(self, wrapper: Any) -> None:
        """Answer every request from now on with ``wrapper(moto's app)``."""
        self._handler = wrapper(self._plain)

    def start(self) -> None:
        super().start()
        if self._failure is not None:
            raise self._failure

    def _server_entry(self) -> None:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        try:
            self._server = make_server(
                self._ip_address,
                self._port,
                self._dispatch,
                True,
                request_handler=MotoRequestHandler,
            )
        except (OSError, SystemExit) as error:
            # werkzeug exits (SystemExit) on a busy port; in this thread that would die silently
            # and leave start() waiting forever. Hand the failure to start() instead.
            self._failure = (
                error
                if isinstance(error, OSError)
                else OSError(errno.EADDRINUSE, f"port {self._port} is in use")
            )
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        # A stop waits for the loop's next look at the shutdown flag: a tenth of a second,
        # not the default half (tests start and stop a server per test).
        self._server.serve_forever(poll_interval=SHUTDOWN_POLL_SECONDS)

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._handler(environ, start_response)


def use_large_object_files() -> None:
    """S3 objects over 1 MiB go to temporary files rather than memory (exports, photos)."""
    os.environ.setdefault("MOTO_S3_DEFAULT_KEY_BUFFER_SIZE", str(1024 * 1024))
