"""``python -m mpp_cli …`` is ``mpp …``."""

from mpp_cli.main import main

raise SystemExit(main())
