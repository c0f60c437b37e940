from django.apps import AppConfig


class FiguresAppConfig(AppConfig):
    name = "figures_app"
    verbose_name = "Figures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # requests_app never imports figures_app: everything it shows of figures is registered here.
        from figures_app import hooks_impl
        from requests_app import hooks
        from requests_app.roles import can_edit, can_review

        hooks.register_campaign_json_extension(
            hooks.CampaignJsonExtension(
                key="metrics", validate=hooks_impl.metrics_validate, apply=hooks_impl.metrics_apply
            )
        )
        if not any(label == "Review queue" for label, _, _ in hooks.NAV_LINKS):
            hooks.NAV_LINKS.append(("Review queue", "figures_review_queue", can_review))
        if not any(label == "Sent back to you" for label, _, _ in hooks.NAV_LINKS):
            hooks.NAV_LINKS.append(("Sent back to you", "figures_sent_back_to_you", can_edit))
        for registry, fn in (
            (hooks.CAMPAIGN_PAGE_LINKS, hooks_impl.campaign_links),
            (hooks.REQUEST_PAGE_SECTIONS, hooks_impl.request_section),
            (hooks.DEMO_EXTENSIONS, hooks_impl.demo_extension),
            (hooks.CAMPAIGN_FORM_SECTIONS, hooks_impl.campaign_form_section),
            (hooks.DASHBOARD_SECTIONS, hooks_impl.dashboard_sections),
            (hooks.FORCE_PAGE_SECTIONS, hooks_impl.force_section),
            (hooks.CAMPAIGN_COPIED, hooks_impl.campaign_copied),
            (hooks.CAMPAIGN_PAGE_LINKS, hooks_impl.series_link),
            (hooks.FORCE_PAGE_SECTIONS, hooks_impl.force_series_section),
        ):
            if fn not in registry:
                registry.append(fn)
        hooks.register_digest_section("Sent back to you", hooks_impl.digest_sent_back)
        hooks.register_digest_section(
            "Figures waiting for your review", hooks_impl.digest_waiting_for_review
        )
        # Register the import tasks in every process (web too: services queue them by name,
        # and Celery's autodiscovery only imports task modules when a worker starts).
        from figures_app import tasks  # noqa: F401
