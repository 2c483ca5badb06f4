import zoneinfo

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from console.middleware import UserTimezoneMiddleware
from workspaces.tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("saved", "expected"), [("Asia/Shanghai", "Asia/Shanghai"), ("Not/AZone", "UTC"), ("", "UTC")]
)
def test_pages_render_in_the_users_saved_time_zone(saved, expected):
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = UserFactory(timezone=saved)
    UserTimezoneMiddleware(view)(request)
    assert seen["tz"] == str(zoneinfo.ZoneInfo(expected))
    assert timezone.get_current_timezone_name() == "UTC"  # reset after the response
