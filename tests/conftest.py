"""Settings every test shares."""

from __future__ import annotations

import signal

# Several tests press Ctrl+C on a real child process (SIGINT). A shell that starts a job in the
# background, as CI runners may, starts it with SIGINT ignored, and an ignored signal stays
# ignored in every child — Python then never turns Ctrl+C into KeyboardInterrupt and those
# children would not stop. A handler of our own is reset to the default in each child at exec,
# so children get the Ctrl+C a user's terminal gives them.
signal.signal(signal.SIGINT, signal.default_int_handler)
