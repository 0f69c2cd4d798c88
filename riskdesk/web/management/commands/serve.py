import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行 Web 服务（gunicorn）/ Run the web server (gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("RISKDESK_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("RISKDESK_WEB_WORKERS", "2"))
        )
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, bind, workers, no_collectstatic, **options):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        from gunicorn.app.wsgiapp import run

        self.stdout.write(f"riskdesk web on http://{bind} (DEBUG={settings.DEBUG})")
        sys.argv = [
            "gunicorn",
            "riskdesk.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        run()
