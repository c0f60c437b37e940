"""A signed-in user with no role is told what to ask an admin for, and the admin's "staff
status" box says it is not the staff role."""

from django.urls import reverse


def test_it_tells_a_user_without_a_role_what_to_ask_for(client, outsider, admin_user):
    admin_user.email = "ada@example.org"
    admin_user.save()
    client.force_login(outsider)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "no role yet" in page
    assert "Staff: see every campaign" in page
    assert "Reviewer: see everything" in page
    assert "ada@example.org" in page


def test_it_keeps_the_plain_refusal_for_a_user_with_a_role(client, staff):
    client.force_login(staff)
    response = client.get(reverse("figures_review_queue"))
    assert response.status_code == 403
    assert "no role yet" not in response.content.decode()


def test_it_explains_staff_status_in_the_user_admin(client, admin_user, staff):
    client.force_login(admin_user)
    response = client.get(reverse("admin:auth_user_change", args=[staff.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "not the tracker&#x27;s staff role" in page or "not the tracker's staff role" in page
    assert "Roles in the tracker." in page
