app_name = "safeguarding"

urlpatterns = []
