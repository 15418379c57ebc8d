"""Exit codes of a run: 0 when the gate passes, 1 when a check or the baseline fails it, 2 on
a usage or harness error."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
