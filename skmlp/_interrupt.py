"""Ctrl-C during training: stop after the current batch, not in mid-step.

The training loops in :mod:`skmlp._training` run inside
:func:`deferred_interrupt` and check its flag between batches (and between
L-BFGS iterations), so an interrupted fit still ends with consistent weights.
"""

import signal
import threading
from contextlib import contextmanager


class _InterruptFlag:
    """Turns the first Ctrl-C into a request to stop after the current batch.

    A KeyboardInterrupt raised in the middle of an optimizer step would leave
    the weights half updated; instead the first SIGINT only sets this flag,
    which the loop checks between batches. A second Ctrl-C interrupts at once,
    as usual. Signal handlers can only be installed from the main thread;
    elsewhere the flag never rises and Ctrl-C behaves as it always does.
    """

    def __init__(self):
        self.raised = False

    def _handle(self, signum, frame):
        self.raised = True
        signal.signal(signal.SIGINT, signal.default_int_handler)


@contextmanager
def deferred_interrupt():
    """Context in which Ctrl-C sets a flag instead of raising at once."""
    flag = _InterruptFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.signal(signal.SIGINT, flag._handle)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
