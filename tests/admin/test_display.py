"""Units of the admin's display helpers that the list's layout depends on."""

from __future__ import annotations

from flex_auth_django.admin.display import breakable_host


def test_a_host_may_wrap_after_its_dots_only_and_is_escaped():
    assert breakable_host("shop.example.com") == "shop.<wbr>example.<wbr>com"
    assert breakable_host("localhost:3000") == "localhost:3000"  # a port never wraps away from its host
    assert breakable_host("a<b>.c") == "a&lt;b&gt;.<wbr>c"
