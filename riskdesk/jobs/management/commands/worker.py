import logging

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行后台任务进程（含计划任务调度）/ Run the task worker (and the scheduler tick)."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="不运行计划任务调度 / do not run the per-minute scheduler tick",
        )

    def handle(self, *args, workers, no_scheduler, **options):
        from django.conf import settings

        from riskdesk.jobs.queue import HUEY

        logging.getLogger("huey").setLevel(logging.INFO)
        backend = "Redis" if settings.REDIS_URL else f"SQLite ({settings.HUEY_SQLITE_PATH})"
        self.stdout.write(f"riskdesk worker: {workers} workers, queue on {backend}")
        consumer = HUEY.create_consumer(
            workers=workers, periodic=not no_scheduler, worker_type="thread"
        )
        consumer.run()
