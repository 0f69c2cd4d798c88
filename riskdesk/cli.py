"""The ``riskdesk`` console command.

``riskdesk policy …`` runs the policy engine without Django; ``riskdesk intel screen …`` screens
names without a database; everything else is a Django management command
(``riskdesk serve``, ``riskdesk worker``, ``riskdesk demo``, ``riskdesk import customers FILE`` …).
"""

from __future__ import annotations

import os
import sys

ALIASES = {"import": "import_data"}


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskdesk.settings")
    from django.core.management import execute_from_command_line

    if argv and argv[0] in ALIASES:
        argv = [ALIASES[argv[0]], *argv[1:]]
    execute_from_command_line(["riskdesk", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["policy"]:
        from riskdesk.engine.cli import main as policy_main

        return policy_main(args[1:])
    if args[:2] == ["intel", "screen"]:
        from riskdesk.dossier.sanctions import screen_cli

        return screen_cli(args[2:])
    return _django(args)


if __name__ == "__main__":
    sys.exit(main())
