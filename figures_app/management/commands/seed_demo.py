import time

from django.core.management.base import BaseCommand, CommandError

from figures_app.seed import seed_campaigns


class Command(BaseCommand):
    help = "Generate N campaigns of realistic size (43 forces, 3 years, ages 0-17) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="How many campaigns to add.")
        parser.add_argument("--prefix", default="bench", help="Slug prefix of the campaigns.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )

    def handle(self, *args, **options):
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more.")
        started = time.perf_counter()
        made = seed_campaigns(options["scale"], prefix=options["prefix"], seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {len(made)} campaigns ({made[0].slug} .. {made[-1].slug}) "
                f"in {time.perf_counter() - started:.1f}s."
            )
        )
