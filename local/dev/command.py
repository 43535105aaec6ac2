"""The ``jifen dev`` verb: start the stack, serve until Ctrl-C or SIGTERM, stop everything."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from .config import LOG_PREFIX, DevError, config_from
from .stack import DevStack

EXIT_OK = 0
EXIT_USAGE = 2


def _terminate_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Start the stack, serve until Ctrl-C or SIGTERM, then stop everything."""
    try:
        config = config_from(args)
    except (ValueError, OSError) as exc:
        print(f"{LOG_PREFIX} {exc}", file=sys.stderr)
        return EXIT_USAGE
    stack = DevStack(config)
    code = EXIT_OK
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        stack.start()
        poll = stack.bot_runner()
        if poll is not None:
            poll()
        else:
            if not config.bot_token:
                stack.say("bot: off (no --bot-token / JIFEN_BOT_TOKEN)")
            elif not config.poll_bot:
                stack.say("bot: not polling (--no-bot)")
            stack.wait()
    except DevError as exc:
        print(f"{LOG_PREFIX} {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stack.say("stopping")
        stack.stop()
        stack.say("stopped")
    return code
