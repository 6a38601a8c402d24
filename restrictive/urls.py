app_name = "restrictive"

urlpatterns = []
