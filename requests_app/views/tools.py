from django.contrib import messages
from django.shortcuts import redirect, render

from requests_app.access import view_required
from requests_app.calendars import calendar_for
from requests_app.deadlines import RESPONSE_WORKING_DAYS
from requests_app.forms import DeadlineCalculatorForm, ProfileForm
from requests_app.services.people import profile_for, profile_update


@view_required
def deadline_calculator(request):
    form = DeadlineCalculatorForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        received = form.cleaned_data["received_on"]
        cal = calendar_for(form.cleaned_data["law"])
        due = cal.add_working_days(received, RESPONSE_WORKING_DAYS)
        result = {
            "received": received,
            "law": form.cleaned_data["law"].upper(),
            "due": due,
            "skipped": cal.skipped_days(received, due),
            "received_is_working_day": cal.is_working_day(received),
        }
    return render(
        request, "requests_app/deadline_calculator.html", {"form": form, "result": result}
    )


@view_required
def profile(request):
    current = profile_for(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            profile_update(user=request.user, **form.cleaned_data)
            messages.success(request, "Profile saved.")
            return redirect("profile")
    else:
        form = ProfileForm(
            initial={"email": request.user.email, "receive_digest": current.receive_digest}
        )
    return render(
        request, "requests_app/profile.html", {"form": form}, status=400 if form.errors else 200
    )
