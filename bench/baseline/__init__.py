"""A bare Django project on the same stack, for ratios: our page's time / this page's time.

Django's default middleware (as ``startproject`` makes it), no login, no project apps, unmanaged
models of the bench database's tables: a view that reads 50 rows of ``pupils_pupil`` (same
columns as the app's pupil list), one that reads the newest 50 rows of ``incidents_incident``
(same columns as the app's incident list), each rendered with a plain template, and one that
inserts an incident from a plain ModelForm POST and redirects.
"""
