"""The two things done to other parties' URLs: naming their origin as a browser does, and adding
query parameters to URLs that may already carry some (Moodle's ``?type_id=N``)."""

from __future__ import annotations

import pytest

from lti_tool.public_urls import origin
from lti_tool.public_urls import with_query


@pytest.mark.parametrize(("url", "expected"), [
    ("https://LMS.Example.org/mod/lti/auth.php?x=1", "https://lms.example.org"),
    ("http://someone@127.0.0.1:8080/path", "http://127.0.0.1:8080"),
    ("http://[::1", ""),
    ("javascript:alert(1)", ""),
    ("https://", ""),
])  # fmt: skip
def test_origin_is_named_as_a_browser_names_it(url, expected):
    assert origin(url) == expected


def test_parameters_join_the_query_a_url_already_has():
    assert (with_query("https://lms.example.org/mod/lti/services.php/2/lineitems?type_id=1",
                       {"resource_link_id": "a b"})
            == "https://lms.example.org/mod/lti/services.php/2/lineitems?type_id=1"
               "&resource_link_id=a+b")  # fmt: skip


def test_a_parameter_already_there_is_replaced_not_repeated():
    url = with_query("https://tool.example.org/lti/register/x?registration_token=old&keep=1",
                     {"registration_token": "new"})  # fmt: skip
    assert url == "https://tool.example.org/lti/register/x?keep=1&registration_token=new"
