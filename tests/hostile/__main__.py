"""Start the hostile server: `python -m tests.hostile --behaviour NAME [--port N]`."""

from tests.hostile.server import main

raise SystemExit(main())
