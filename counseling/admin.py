"""Django admin (superusers only) for the counseling app's reference data."""

from django.contrib import admin

from counseling.rooms.models import DistrictLinks


@admin.register(DistrictLinks)
class DistrictLinksAdmin(admin.ModelAdmin):
    """A district's own online platform and hotlines (R4.1); without a row the city-wide settings apply."""

    list_display = ("district", "platform_name", "platform_url")
    raw_id_fields = ("district",)
