from django.apps import AppConfig


class SeedConfig(AppConfig):
    name = "yunying.seed"
    label = "seed"
    verbose_name = "Seed"
