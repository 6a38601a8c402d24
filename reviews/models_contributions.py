"""Staff contributions asked for before an annual review, and the DSL's safeguarding summary for a pack."""

from django.db import models  # noqa: F401
