"""The site's own user admin: a plain ModelAdmin, not Django's UserAdmin."""

from django.contrib import admin

from .models import Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("email", "is_staff", "is_active")
    fields = ("email", "is_staff", "is_active")
