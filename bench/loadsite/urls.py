from django.http import HttpResponse
from django.urls import path

from foi_tracker.urls import urlpatterns as site_urlpatterns


def bare(request):
    """The cheapest Django response: the whole middleware stack, no template, no query."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *site_urlpatterns]
