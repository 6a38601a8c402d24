from django.contrib import admin

from accounts.admin import TrustAdminOnly

from .models import ClassGroup

admin.site.register(ClassGroup, TrustAdminOnly)
