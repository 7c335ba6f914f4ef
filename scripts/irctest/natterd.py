"""irctest controller for natterd (see scripts/irctest/README.md).

irctest (https://github.com/progval/irctest) loads this module with
`--controller irctest.controllers.natterd`; scripts/irctest/run.sh copies it
into irctest's controllers package. natterd is taken from $NATTERD_BIN, else
`natterd` on PATH.
"""

import os
import shutil
import subprocess
from typing import Optional, Set, Type

from irctest import patma
from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.cases import BaseServerTestCase
from irctest.runner import NotImplementedByController
from irctest.specifications import Capabilities, OptionalBehaviors

# Raised limits: irctest opens many connections from one address and sends
# bursts of lines faster than natterd's default flood control allows.
TEMPLATE_CONFIG = """
[server]
name = "My.Little.Server"
network = "natterTest"
description = "test server"
bind = "{hostname}:{port}"
data_dir = "{data_dir}"
{password_field}

[limits]
max_clients_per_ip = 1024
max_unregistered_per_ip = 1024
flood_burst = 1000
flood_rate = 1000.0
flood_max_queued = 1000
nick_length = 32

[history]
enabled = {history}

[accounts]
registration = true
register_before_connect = {before_connect}

[tls]
bind = "{tls_bind}"
{tls_files}
sts = false

[discovery]
enabled = false

[[operators]]
name = "operuser"
password = "{oper_hash}"
"""

# irctest's operator credentials (`OPER operuser operpassword`).
OPER_PASSWORD = "operpassword"


class NatterdController(BaseServerController, DirectoryBasedController):
    """Runs natterd from a config file written into irctest's temp directory."""

    software_name = "natterd"
    supported_sasl_mechanisms: Set[str] = {"PLAIN"}
    supports_sts = False
    _port_wait_interval = 0.05

    capabilities = frozenset(
        (
            Capabilities.ACCOUNT_NOTIFY,
            Capabilities.ACCOUNT_TAG,
            Capabilities.AWAY_NOTIFY,
            Capabilities.BATCH,
            Capabilities.ECHO_MESSAGE,
            Capabilities.EXTENDED_JOIN,
            Capabilities.LABELED_RESPONSE,
            Capabilities.MESSAGE_TAGS,
            Capabilities.MULTI_PREFIX,
            Capabilities.SERVER_TIME,
        )
    )

    # What natterd claims (README, "IRC clients"; ISUPPORT TARGMAX, CAP LS).
    optional_behaviors = frozenset(
        (
            OptionalBehaviors.CAP_REQ_MINUS,
            OptionalBehaviors.INVITE_OVERRIDES_LIMIT,
            OptionalBehaviors.MULTI_JOIN,
            OptionalBehaviors.MULTI_NAMES_COMMAND,
            OptionalBehaviors.MULTI_PRIVMSG,
            OptionalBehaviors.SASL_AFTER_REGISTRATION,
        )
    )

    isupport = {
        "CHANTYPES": "#",
        "PREFIX": "(ov)@+",
        "UTF8ONLY": None,
        "WHOX": None,
        "TARGMAX": patma.ANYSTR,
    }

    _oper_hash: Optional[str] = None

    @classmethod
    def oper_hash(cls, natterd: str) -> str:
        """The argon2id hash of irctest's operator password, made once by
        `natterd hash-password` (the config holds hashes only)."""
        if cls._oper_hash is None:
            done = subprocess.run(
                [natterd, "hash-password"],
                input=OPER_PASSWORD + "\n",
                capture_output=True,
                text=True,
                check=True,
            )
            cls._oper_hash = done.stdout.strip()
        return cls._oper_hash

    def create_config(self) -> None:
        super().create_config()
        with self.open_file("natterd.toml"):
            pass

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str] = None,
        websocket_port: Optional[int] = None,
    ) -> None:
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        assert self.proc is None
        # irctest offers the wildcard address ("0.0.0.0"); natterd under test
        # listens on loopback only, as ergo's controller does.
        hostname = "127.0.0.1"
        self.port = port
        self.hostname = hostname
        self.create_config()
        assert self.directory

        tls_files = ""
        if ssl:
            self.gen_ssl()
            # The tested port is the TLS one; plaintext goes to a spare port.
            (_, plain_port) = self.get_hostname_and_port()
            tls_bind = f"{hostname}:{port}"
            tls_files = (
                f'cert_file = "{self.pem_path}"\nkey_file = "{self.key_path}"'
            )
            port = plain_port
        else:
            tls_bind = ""

        natterd = os.environ.get("NATTERD_BIN") or shutil.which("natterd")
        if not natterd:
            raise RuntimeError("set NATTERD_BIN or put natterd on PATH")
        password_field = f'password = "{password}"' if password else ""
        data_dir = self.directory / "data"
        data_dir.mkdir(exist_ok=True)
        with self.open_file("natterd.toml") as fd:
            fd.write(
                TEMPLATE_CONFIG.format(
                    hostname=hostname,
                    port=port,
                    data_dir=data_dir,
                    password_field=password_field,
                    history="true",
                    # As ergo's controller: REGISTER before connecting only
                    # where the test asks for it.
                    before_connect=(
                        "true"
                        if self.test_config.account_registration_before_connect
                        else "false"
                    ),
                    tls_bind=tls_bind,
                    tls_files=tls_files,
                    oper_hash=self.oper_hash(natterd),
                )
            )

        faketime_cmd = []
        if faketime and shutil.which("faketime"):
            faketime_cmd = ["faketime", "-f", faketime]
            self.faketime_enabled = True
        self.proc = self.execute(
            [
                *faketime_cmd,
                natterd,
                "--config",
                str(self.directory / "natterd.toml"),
                "--log",
                os.environ.get("NATTERD_LOG", "warn"),
            ]
        )
        # irctest skips tearDown when a test's setUp fails after the server
        # started; run.sh stops what is listed here once pytest is done.
        pid_file = os.environ.get("NATTERD_IRCTEST_PIDS")
        if pid_file:
            with open(pid_file, "a") as fd:
                fd.write(f"{self.proc.pid}\n")

    def registerUser(
        self,
        case: BaseServerTestCase,
        username: str,
        password: Optional[str] = None,
    ) -> None:
        """Registers an account with natterd's built-in NickServ."""
        assert password
        client = case.addClient(show_io=False)
        case.sendLine(client, "NICK " + username)
        case.sendLine(client, "USER r e g :user")
        while case.getRegistrationMessage(client).command != "001":
            pass
        case.getMessages(client)
        case.sendLine(client, "PRIVMSG NickServ :REGISTER " + password)
        while True:
            msg = case.getMessage(client)
            if msg.command == "NOTICE" and "registered" in msg.params[-1]:
                break
        case.sendLine(client, "QUIT")
        case.assertDisconnected(client)

    def wait_for_services(self) -> None:
        """NickServ is built in: nothing to wait for."""


def get_irctest_controller_class() -> Type[NatterdController]:
    return NatterdController
