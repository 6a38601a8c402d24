from django.db import models  # noqa: F401

from .models_contributions import *  # noqa: E402,F401,F403  (staff contributions live in their own module)
